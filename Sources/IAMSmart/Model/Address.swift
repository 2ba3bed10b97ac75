/// `residentialAddress` / `postalAddress`: structured premises address (Chinese
/// and/or English), free format lines, or a post office box.
public enum Address: Sendable, Hashable {
    case structured(chinese: PremisesAddress?, english: PremisesAddress?)
    case freeFormat(lines: [String])
    case postOfficeBox(PostOfficeBox)

    /// Reads the iAM Smart JSON shape; nil when none of the three forms is present.
    init?(json: JSONValue) {
        let chinese = json["ChiPremisesAddress"].flatMap { PremisesAddress(json: $0, language: "Chi") }
        let english = json["EngPremisesAddress"].flatMap { PremisesAddress(json: $0, language: "Eng") }
        if chinese != nil || english != nil {
            self = .structured(chinese: chinese, english: english)
        } else if let free = json["FreeFormatAddress"] {
            let lines = (1...6).compactMap { free["AddressLine\($0)"]?.text }.filter { !$0.isEmpty }
            guard !lines.isEmpty else { return nil }
            self = .freeFormat(lines: lines)
        } else if let box = json["PostBoxAddress"], let number = box["PoBoxNo"]?.text {
            self = .postOfficeBox(
                PostOfficeBox(
                    boxNumber: number,
                    postOffice: box["PostOffice"]?.text,
                    region: box["PostOfficeRegion"]?.text
                ))
        } else {
            return nil
        }
    }
}

/// One language's structured premises address. iAM Smart follows the
/// Hong Kong common address schema (`Chi…`/`Eng…` prefixed parts); every part
/// is optional because residents fill in what applies.
public struct PremisesAddress: Sendable, Hashable {
    public var unit: String?
    public var floor: String?
    public var block: String?
    public var buildingName: String?
    public var estateName: String?
    public var streetName: String?
    public var buildingNumber: String?
    public var district: String?
    public var region: String?

    public init(
        unit: String? = nil, floor: String? = nil, block: String? = nil, buildingName: String? = nil,
        estateName: String? = nil, streetName: String? = nil, buildingNumber: String? = nil,
        district: String? = nil, region: String? = nil
    ) {
        self.unit = unit
        self.floor = floor
        self.block = block
        self.buildingName = buildingName
        self.estateName = estateName
        self.streetName = streetName
        self.buildingNumber = buildingNumber
        self.district = district
        self.region = region
    }

    init?(json: JSONValue, language: String) {
        let threeD = json["\(language)3dAddress"]
        let unit = threeD?["\(language)Unit"]
        self.unit = [unit?["UnitDescriptor"]?.text, unit?["UnitNo"]?.text].joinedNonEmpty
        self.floor = threeD?["\(language)Floor"]?["FloorNum"]?.text
        let block = json["\(language)Block"]
        self.block = [block?["BlockDescriptor"]?.text, block?["BlockNo"]?.text].joinedNonEmpty
        self.buildingName = json["BuildingName"]?.text
        self.estateName = json["\(language)Estate"]?["EstateName"]?.text
        self.streetName = json["\(language)Street"]?["StreetName"]?.text
        self.buildingNumber = json["\(language)Street"]?["BuildingNoFrom"]?.text
        self.district = json["\(language)District"]?["DcDistrict"]?.text
        self.region = json["Region"]?.text
        if [self.unit, floor, self.block, buildingName, estateName, streetName, buildingNumber, district, region]
            .allSatisfy({ $0 == nil })
        {
            return nil
        }
    }
}

/// A post office box address.
public struct PostOfficeBox: Sendable, Hashable {
    public var boxNumber: String
    public var postOffice: String?
    public var region: String?
    public init(boxNumber: String, postOffice: String?, region: String?) {
        self.boxNumber = boxNumber
        self.postOffice = postOffice
        self.region = region
    }
}

extension Array where Element == String? {
    fileprivate var joinedNonEmpty: String? {
        let parts = compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
