/// A 64-bit FNV-1a hash of a feature: a template number and its parts ("word at -1" +
/// "show"). Stable across processes and platforms, unlike `Hasher`, so models can store the
/// hashes of the features they learned instead of the strings.
struct FeatureHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    init(_ template: UInt8) {
        mix(template)
    }

    @inline(__always)
    mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01b3
    }

    mutating func mix(_ text: String) {
        for byte in text.utf8 { mix(byte) }
        mix(0xff)
    }

    mutating func mix(_ text: Substring) {
        for byte in text.utf8 { mix(byte) }
        mix(0xff)
    }

    mutating func mix(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes { mix(byte) }
        mix(0xff)
    }

    static func of(_ template: UInt8, _ text: String) -> UInt64 {
        var hash = FeatureHash(template)
        hash.mix(text)
        return hash.value
    }

    static func of(_ template: UInt8, _ first: String, _ second: String) -> UInt64 {
        var hash = FeatureHash(template)
        hash.mix(first)
        hash.mix(second)
        return hash.value
    }
}

/// SplitMix64: a small, fast, seedable generator, so that training is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Fisher–Yates with this generator (the standard library's `shuffle(using:)` does not
    /// promise the same order across versions).
    mutating func shuffle<Element>(_ array: inout [Element]) {
        guard array.count > 1 else { return }
        for index in stride(from: array.count - 1, to: 0, by: -1) {
            let other = Int(next() % UInt64(index + 1))
            array.swapAt(index, other)
        }
    }
}
