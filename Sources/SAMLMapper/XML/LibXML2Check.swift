import CLibXML2

/// The libxml2 version this process runs against, for `/readyz` and logs.
public let libxml2Version: String = __xmlParserVersion()?.pointee.map { String(cString: $0) } ?? "unknown"
