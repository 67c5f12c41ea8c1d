public import Protos

/// Resolves what an utterance points at among the products last shown: "the second one",
/// "the last one", "those", "both", "it".
public enum References {
    static let plural: Set<String> = ["those", "these", "them", "they", "all"]
    static let singular: Set<String> = ["it", "this", "that"]
    /// Intents that act on shown products.
    static let productIntents: Set<NLUV1.Intent> = [
        .askPrice, .comparePrices, .readReviews, .productDetails, .addToCart, .removeFromCart,
    ]

    /// The product ids referred to, in the order said.
    /// - Parameters:
    ///   - ordinals: the ordinal slots' values (1-based; -1 is the last, -2 the one before).
    ///   - previous: the product ids last shown, in display order.
    public static func resolve(tokens: [String], ordinals: [Int], intent: NLUV1.Intent, previous: [String]) -> [String] {
        guard !previous.isEmpty else { return [] }
        var result: [String] = []
        for ordinal in ordinals {
            let index = ordinal > 0 ? ordinal - 1 : previous.count + ordinal
            if previous.indices.contains(index), !result.contains(previous[index]) { result.append(previous[index]) }
        }
        if !result.isEmpty || !productIntents.contains(intent) { return result }
        if tokens.contains("both") { return Array(previous.prefix(2)) }
        if tokens.contains(where: plural.contains) { return previous }
        if tokens.contains(where: singular.contains) || previous.count == 1 || intent == .comparePrices {
            // "it" with several shown means the first (the top result); comparing means all.
            return intent == .comparePrices ? previous : [previous[0]]
        }
        return []
    }
}
