import PIAChecks
import SAMLMapper
import Testing

/// The shipped policy and the mapper must speak one vocabulary: a name or
/// transform the mapper never emits would make the minimisation check refuse
/// every transfer.
@Suite struct ShippedPolicyVocabularyTests {
    @Test func everyAllowedAttributeAndTransformIsOneTheMapperEmits() throws {
        let policy = try Policy.load(from: Repository.root.appendingPathComponent("config/policy.yaml"))
        let knownNames = Set(GuangdongAttribute.allCases.map(\.rawValue))
        let knownTransforms = Set(AttributeTransform.allCases.map(\.rawValue))
        #expect(!policy.purposes.isEmpty)
        for purpose in policy.purposes {
            #expect(!purpose.allowedAttributes.isEmpty)
            for attribute in purpose.allowedAttributes {
                #expect(knownNames.contains(attribute.name), "\(purpose.id): \(attribute.name) is not an attribute the mapper emits")
                #expect(
                    Set(attribute.requiredTransforms).isSubset(of: knownTransforms),
                    "\(purpose.id): \(attribute.name) requires \(attribute.requiredTransforms)")
            }
        }
    }
}
