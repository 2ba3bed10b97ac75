/// HKID number as iAM Smart sends it: `{Identification, CheckDigit}`.
public struct HKIDNumber: Sendable, Hashable {
    /// One or two letters and six digits, for example `A123456`.
    public var identification: String
    /// `0`–`9` or `A`.
    public var checkDigit: String

    public init(identification: String, checkDigit: String) {
        self.identification = identification
        self.checkDigit = checkDigit
    }

    /// Whether the check digit matches the identification (HKID mod-11 scheme).
    public var hasValidCheckDigit: Bool {
        HKIDCheckDigit.compute(for: identification) == checkDigit.uppercased()
    }
}

/// The HKID mod-11 check digit.
///
/// Letters count A=10 … Z=35, a missing first letter counts 36 (space); the
/// weights are 9…2 over the 8 positions, the check digit is `11 - sum % 11`
/// with 10 written `A` and 11 written `0`.
public enum HKIDCheckDigit {
    public static func compute(for identification: String) -> String? {
        let characters = Array(identification.uppercased())
        guard characters.count == 7 || characters.count == 8 else { return nil }
        let letterCount = characters.count - 6
        let letters = characters.prefix(letterCount)
        let digits = characters.suffix(6)
        guard letters.allSatisfy({ $0.isASCII && $0.isLetter }), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        var values: [Int] = letters.compactMap { $0.asciiValue.map { Int($0) - 55 } }
        if values.count == 1 { values.insert(36, at: 0) }
        values += digits.compactMap { $0.wholeNumberValue }
        let sum = zip(values, (2...9).reversed()).reduce(0) { $0 + $1.0 * $1.1 }
        let check = (11 - sum % 11) % 11
        return check == 10 ? "A" : String(check)
    }
}

/// English name as one unstructured string (`enName.UnstructuredName`).
public struct EnglishName: Sendable, Hashable {
    public var unstructuredName: String
    public init(unstructuredName: String) { self.unstructuredName = unstructuredName }
}

/// Chinese name (`chName.ChineseName`).
public struct ChineseName: Sendable, Hashable {
    public var chineseName: String
    public init(chineseName: String) { self.chineseName = chineseName }
}

/// `birthDate`, sent as `YYYYMMDD`.
public struct BirthDate: Sendable, Hashable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(yyyymmdd: String) {
        guard yyyymmdd.count == 8, yyyymmdd.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(yyyymmdd)
        else { return nil }
        let year = value / 10000
        let month = value / 100 % 100
        let day = value % 100
        guard (1900...2200).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public var yyyymmdd: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return "\(year)\(m)\(d)"
    }

    /// Whole years of age on the given calendar date.
    public func age(onYear year: Int, month: Int, day: Int) -> Int {
        var age = year - self.year
        if (month, day) < (self.month, self.day) { age -= 1 }
        return age
    }

    public static func < (lhs: BirthDate, rhs: BirthDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// Phone number object `{CountryCode, SubscriberNumber}`.
public struct PhoneNumber: Sendable, Hashable {
    public var countryCode: String
    public var subscriberNumber: String
    public init(countryCode: String, subscriberNumber: String) {
        self.countryCode = countryCode
        self.subscriberNumber = subscriberNumber
    }
}

/// A coded value whose enumeration iAM Smart does not publish (gender,
/// marital status, prefix, education level). Kept as received; mapping tables
/// belong in configuration, not here.
public struct CodedValue: Sendable, Hashable, RawRepresentable, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
}
