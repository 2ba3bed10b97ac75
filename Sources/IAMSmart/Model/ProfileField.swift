/// Profile and e-ME fields by their iAM Smart names. The client asks for and
/// keeps only the fields named in a request (data minimisation, DPP1).
public enum ProfileField: String, Sendable, Hashable, CaseIterable, Codable {
    case idNo
    case prefix
    case enName
    case chName
    case chNameVerified
    case birthDate
    case gender
    case maritalStatus
    case homeTelNumber
    case officeTelNumber
    case mobileNumber
    case emailAddress
    case residentialAddress
    case postalAddress
    case educationLevel
}
