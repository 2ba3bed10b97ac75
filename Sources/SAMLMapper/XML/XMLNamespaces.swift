/// Namespace URIs the SAML layers use, with their conventional prefixes.
public enum XMLNamespaces {
    public static let saml = "urn:oasis:names:tc:SAML:2.0:assertion"
    public static let samlp = "urn:oasis:names:tc:SAML:2.0:protocol"
    public static let md = "urn:oasis:names:tc:SAML:2.0:metadata"
    public static let ds = "http://www.w3.org/2000/09/xmldsig#"
    public static let xenc = "http://www.w3.org/2001/04/xmlenc#"
    public static let xenc11 = "http://www.w3.org/2009/xmlenc11#"
    public static let excC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    public static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    public static let xs = "http://www.w3.org/2001/XMLSchema"
    public static let xml = "http://www.w3.org/XML/1998/namespace"
    public static let soap11 = "http://schemas.xmlsoap.org/soap/envelope/"
}
