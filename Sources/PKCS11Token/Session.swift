import CPKCS11

/// One Cryptoki session handle and the calls the bridge makes on it. Used by
/// one caller at a time (``Token`` lends it out).
struct Session {
    let module: PKCS11Module
    let slot: CK_SLOT_ID
    let handle: CK_SESSION_HANDLE
    /// The module generation the session was opened in.
    let generation: Int

    private var functions: CK_FUNCTION_LIST { module.functions.pointee }

    static func open(module: PKCS11Module, slot: CK_SLOT_ID, generation: Int) throws(TokenError) -> Session {
        guard let openSession = module.functions.pointee.C_OpenSession else { throw .mechanismUnsupported("open sessions") }
        var handle: CK_SESSION_HANDLE = 0
        try check("C_OpenSession", openSession(slot, CK_FLAGS(CKF_SERIAL_SESSION | CKF_RW_SESSION), nil, nil, &handle))
        return Session(module: module, slot: slot, handle: handle, generation: generation)
    }

    func logIn(pin: String, tokenLabel: String) throws(TokenError) {
        guard let login = functions.C_Login else { throw .mechanismUnsupported("log in") }
        var bytes = Array(pin.utf8)
        let rv = login(handle, CK_USER_TYPE(CKU_USER), &bytes, CK_ULONG(bytes.count))
        for index in bytes.indices { bytes[index] = 0 }
        guard rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN else {
            throw .loginFailed(label: tokenLabel, returnValue: UInt(rv))
        }
    }

    /// Throws unless the session is in a logged-in user state.
    func checkLoggedIn() throws(TokenError) {
        guard let getSessionInfo = functions.C_GetSessionInfo else { throw .mechanismUnsupported("report session state") }
        var info = CK_SESSION_INFO()
        try check("C_GetSessionInfo", getSessionInfo(handle, &info))
        guard info.state == CKS_RW_USER_FUNCTIONS || info.state == CKS_RO_USER_FUNCTIONS else {
            throw .call("C_GetSessionInfo", returnValue: UInt(CKR_USER_NOT_LOGGED_IN))
        }
    }

    func close() {
        _ = functions.C_CloseSession?(handle)
    }

    func findObjects(_ objectClass: CK_OBJECT_CLASS, label: String) throws(TokenError) -> [CK_OBJECT_HANDLE] {
        guard let initFind = functions.C_FindObjectsInit, let find = functions.C_FindObjects,
            let finish = functions.C_FindObjectsFinal
        else { throw .mechanismUnsupported("search objects") }
        var template = AttributeTemplate()
        template.append(CKA_CLASS, ulong: objectClass)
        if !label.isEmpty { template.append(CKA_LABEL, bytes: Array(label.utf8)) }
        try template.withAttributes { attributes, count throws(TokenError) in
            try check("C_FindObjectsInit", initFind(handle, attributes, count))
        }
        defer { _ = finish(handle) }
        var found: [CK_OBJECT_HANDLE] = []
        var batch = [CK_OBJECT_HANDLE](repeating: 0, count: 16)
        while true {
            var count: CK_ULONG = 0
            try check("C_FindObjects", find(handle, &batch, CK_ULONG(batch.count), &count))
            found += batch.prefix(Int(count))
            if count == 0 || found.count > 1024 { break }
        }
        return found
    }

    func destroy(_ object: CK_OBJECT_HANDLE) throws(TokenError) {
        guard let destroy = functions.C_DestroyObject else { throw .mechanismUnsupported("delete objects") }
        try check("C_DestroyObject", destroy(handle, object))
    }

    /// One attribute's value, or nil when the object has no such attribute.
    func attribute(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws(TokenError) -> [UInt8]? {
        guard let getAttribute = functions.C_GetAttributeValue else { throw .mechanismUnsupported("read attributes") }
        var query = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        let sized = getAttribute(handle, object, &query, 1)
        if sized == CKR_ATTRIBUTE_TYPE_INVALID || sized == CKR_ATTRIBUTE_SENSITIVE { return nil }
        try check("C_GetAttributeValue", sized)
        guard query.ulValueLen != CK_ULONG.max else { return nil }  // CK_UNAVAILABLE_INFORMATION
        var value = [UInt8](repeating: 0, count: Int(query.ulValueLen))
        let rv = value.withUnsafeMutableBytes { buffer in
            var attribute = CK_ATTRIBUTE(type: type, pValue: buffer.baseAddress, ulValueLen: CK_ULONG(buffer.count))
            let rv = getAttribute(handle, object, &attribute, 1)
            return (rv, attribute.ulValueLen)
        }
        try check("C_GetAttributeValue", rv.0)
        return Array(value.prefix(Int(rv.1)))
    }

    func ulongAttribute(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws(TokenError) -> CK_ULONG? {
        guard let bytes = try attribute(type, of: object), bytes.count == MemoryLayout<CK_ULONG>.size else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) }
    }

    /// Runs `C_SignInit` + `C_Sign` (single part).
    func sign(_ data: [UInt8], key: CK_OBJECT_HANDLE, mechanism: TokenMechanism) throws(TokenError) -> [UInt8] {
        guard let signInit = functions.C_SignInit, let sign = functions.C_Sign else { throw .mechanismUnsupported("sign") }
        try mechanism.withMechanism { pointer throws(TokenError) in
            try check("C_SignInit", signInit(handle, pointer, key))
        }
        return try run("C_Sign", input: data, capacity: 1024, sign)
    }

    /// Runs `C_DecryptInit` + `C_Decrypt` (single part).
    func decrypt(_ data: [UInt8], key: CK_OBJECT_HANDLE, mechanism: TokenMechanism) throws(TokenError) -> [UInt8] {
        guard let decryptInit = functions.C_DecryptInit, let decrypt = functions.C_Decrypt else { throw .mechanismUnsupported("decrypt") }
        try mechanism.withMechanism { pointer throws(TokenError) in
            try check("C_DecryptInit", decryptInit(handle, pointer, key))
        }
        return try run("C_Decrypt", input: data, capacity: max(data.count, 64), decrypt)
    }

    private typealias SinglePart =
        @convention(c) (
            CK_SESSION_HANDLE, UnsafeMutablePointer<UInt8>?, CK_ULONG, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<CK_ULONG>?
        ) -> CK_RV

    private func run(_ name: String, input: [UInt8], capacity: Int, _ call: SinglePart) throws(TokenError) -> [UInt8] {
        var input = input
        var output = [UInt8](repeating: 0, count: capacity)
        var length = CK_ULONG(capacity)
        try check(name, call(handle, &input, CK_ULONG(input.count), &output, &length))
        return Array(output.prefix(Int(length)))
    }

    func generateKeyPair(
        mechanism: TokenMechanism, publicTemplate: AttributeTemplate, privateTemplate: AttributeTemplate
    ) throws(TokenError) {
        guard let generate = functions.C_GenerateKeyPair else { throw .mechanismUnsupported("generate key pairs") }
        var publicKey: CK_OBJECT_HANDLE = 0
        var privateKey: CK_OBJECT_HANDLE = 0
        try mechanism.withMechanism { pointer throws(TokenError) in
            try publicTemplate.withAttributes { publicAttributes, publicCount throws(TokenError) in
                try privateTemplate.withAttributes { privateAttributes, privateCount throws(TokenError) in
                    try check(
                        "C_GenerateKeyPair",
                        generate(
                            handle, pointer, publicAttributes, publicCount, privateAttributes, privateCount, &publicKey, &privateKey))
                }
            }
        }
    }
}
