import CLibXML2
import CLibCrypto

/// The libxml2 version this process runs against, for `/readyz` and logs.
public let libxml2Version: String = String(cString: xmlParserVersion)
