/// Profile and e-ME values of one resident, typed. Every field is optional:
/// only the fields asked for are filled, and anything else iAM Smart sent is
/// dropped on arrival.
public struct IAMSmartProfile: Sendable, Hashable {
    public var idNo: HKIDNumber?
    public var prefix: CodedValue?
    public var enName: EnglishName?
    public var chName: ChineseName?
    /// Whether the Chinese name was verified against the identity card record.
    public var chNameVerified: Bool?
    public var birthDate: BirthDate?
    public var gender: CodedValue?
    public var maritalStatus: CodedValue?
    public var homeTelNumber: PhoneNumber?
    public var officeTelNumber: PhoneNumber?
    public var mobileNumber: PhoneNumber?
    public var emailAddress: String?
    public var residentialAddress: Address?
    public var postalAddress: Address?
    public var educationLevel: CodedValue?

    public init() {}

    /// Fields that are present.
    public var presentFields: Set<ProfileField> {
        var fields: Set<ProfileField> = []
        if idNo != nil { fields.insert(.idNo) }
        if prefix != nil { fields.insert(.prefix) }
        if enName != nil { fields.insert(.enName) }
        if chName != nil { fields.insert(.chName) }
        if chNameVerified != nil { fields.insert(.chNameVerified) }
        if birthDate != nil { fields.insert(.birthDate) }
        if gender != nil { fields.insert(.gender) }
        if maritalStatus != nil { fields.insert(.maritalStatus) }
        if homeTelNumber != nil { fields.insert(.homeTelNumber) }
        if officeTelNumber != nil { fields.insert(.officeTelNumber) }
        if mobileNumber != nil { fields.insert(.mobileNumber) }
        if emailAddress != nil { fields.insert(.emailAddress) }
        if residentialAddress != nil { fields.insert(.residentialAddress) }
        if postalAddress != nil { fields.insert(.postalAddress) }
        if educationLevel != nil { fields.insert(.educationLevel) }
        return fields
    }

    /// Reads the fields in `wanted` from a `profiles` content object and ignores
    /// the rest. A field that is present but malformed is an error naming the
    /// field (never its value); a field that is absent stays nil.
    public init(json: JSONValue, keeping wanted: Set<ProfileField>) throws(ProfileDecodingError) {
        guard case .object(let object) = json else { throw ProfileDecodingError(field: "content") }
        for field in wanted {
            guard let value = object[field.rawValue], value != .null else { continue }
            try assign(field, from: value)
        }
    }

    private mutating func assign(_ field: ProfileField, from value: JSONValue) throws(ProfileDecodingError) {
        let error = ProfileDecodingError(field: field.rawValue)
        switch field {
        case .idNo:
            guard let identification = value["Identification"]?.text, let check = value["CheckDigit"]?.text else {
                throw error
            }
            idNo = HKIDNumber(identification: identification, checkDigit: check)
        case .prefix: prefix = try Self.coded(value, error)
        case .enName:
            guard let name = value["UnstructuredName"]?.text else { throw error }
            enName = EnglishName(unstructuredName: name)
        case .chName:
            guard let name = value["ChineseName"]?.text else { throw error }
            chName = ChineseName(chineseName: name)
        case .chNameVerified:
            switch value {
            case .bool(let flag): chNameVerified = flag
            case .string(let text) where ["Y", "TRUE", "1"].contains(text.uppercased()): chNameVerified = true
            case .string(let text) where ["N", "FALSE", "0"].contains(text.uppercased()): chNameVerified = false
            default: throw error
            }
        case .birthDate:
            guard let text = value.text, let date = BirthDate(yyyymmdd: text) else { throw error }
            birthDate = date
        case .gender: gender = try Self.coded(value, error)
        case .maritalStatus: maritalStatus = try Self.coded(value, error)
        case .homeTelNumber: homeTelNumber = try Self.phone(value, error)
        case .officeTelNumber: officeTelNumber = try Self.phone(value, error)
        case .mobileNumber: mobileNumber = try Self.phone(value, error)
        case .emailAddress:
            guard let text = value.text, text.contains("@") else { throw error }
            emailAddress = text
        case .residentialAddress:
            guard let address = Address(json: value) else { throw error }
            residentialAddress = address
        case .postalAddress:
            guard let address = Address(json: value) else { throw error }
            postalAddress = address
        case .educationLevel: educationLevel = try Self.coded(value, error)
        }
    }

    private static func coded(_ value: JSONValue, _ error: ProfileDecodingError) throws(ProfileDecodingError) -> CodedValue {
        guard let text = value.text, !text.isEmpty else { throw error }
        return CodedValue(rawValue: text)
    }

    private static func phone(_ value: JSONValue, _ error: ProfileDecodingError) throws(ProfileDecodingError) -> PhoneNumber {
        guard let country = value["CountryCode"]?.text, let subscriber = value["SubscriberNumber"]?.text,
            !subscriber.isEmpty
        else { throw error }
        return PhoneNumber(countryCode: country, subscriberNumber: subscriber)
    }
}

/// A profile field arrived in a shape the client does not understand.
public struct ProfileDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var description: String {
        "iAM Smart sent profile field '\(field)' in an unexpected shape; the field was not used. Report the field name to the iAM Smart integration contact."
    }
}
