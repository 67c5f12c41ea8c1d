import GatewayService
import Testing

@Suite struct LogPrivacyTests {
    @Test func userHashIsHMACSHA256UnderTheKey() {
        // RFC 4231 test case 1: key 0x0b × 20, data "Hi There".
        let privacy = LogPrivacy(key: [UInt8](repeating: 0x0b, count: 20))
        #expect(privacy.isKeyConfigured)
        #expect(privacy.userHash("Hi There") == "u_b0344c61d8db3853")
        #expect(privacy.userHash("") == "")
    }

    @Test func withoutAKeyHashesAreStableInProcessButNotAcrossKeys() {
        let first = LogPrivacy(key: nil)
        let second = LogPrivacy(key: Array("too short".utf8))
        #expect(!first.isKeyConfigured && !second.isKeyConfigured)
        #expect(first.userHash("alice") == first.userHash("alice"))
        #expect(first.userHash("alice") != second.userHash("alice"))
        #expect(!first.userHash("alice").contains("alice"))
    }
}
