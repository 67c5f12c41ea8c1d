public import Protos

/// Resolves what an utterance points at among the products last shown: "the second one",
/// "the last one", "those", "both", "it" (the product last asked about, else the top result).
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
    ///   - focus: the product last asked about or acted on, or "": what "it" means.
    public static func resolve(tokens: [String], ordinals: [Int], intent: NLUV1.Intent, previous: [String], focus: String = "") -> [String] {
        if previous.isEmpty {
            // Nothing shown, but one product talked about: "it" is that one.
            let refersToOne = productIntents.contains(intent) && intent != .comparePrices && tokens.contains(where: singular.contains)
            return refersToOne && !focus.isEmpty ? [focus] : []
        }
        var result: [String] = []
        for ordinal in ordinals {
            let index = ordinal > 0 ? ordinal - 1 : previous.count + ordinal
            if previous.indices.contains(index), !result.contains(previous[index]) { result.append(previous[index]) }
        }
        if !result.isEmpty || !productIntents.contains(intent) { return result }
        if tokens.contains("both") { return Array(previous.prefix(2)) }
        if tokens.contains(where: plural.contains) { return previous }
        if intent == .comparePrices { return previous }
        if tokens.contains(where: singular.contains) || previous.count == 1 {
            // "it" with several shown means the one last talked about, else the top result.
            return [focus.isEmpty ? previous[0] : focus]
        }
        return []
    }
}
