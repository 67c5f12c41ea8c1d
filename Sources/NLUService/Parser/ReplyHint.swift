public import Protos

/// A short phrase the voice reply can build on: "red Nike dresses under $50", "order 1042",
/// "2 of the second one".
public enum ReplyHint {
    public static func make(_ response: NLUV1.ParseResponse) -> String {
        let filters = response.filters ?? NLUV1.Filters()
        let ordinal = response.slots.first { $0.name == "ordinal" }.map { describe(ordinal: $0.normalized) }
        let item = ordinal ?? (response.productIDs.count > 1 ? "those" : response.productIDs.isEmpty ? "it" : "that one")
        switch response.intent {
        case .searchProducts: return search(response, filters)
        case .askPrice: return "the price of \(item)"
        case .comparePrices: return "comparing prices of \(response.productIDs.isEmpty ? "the results" : item)"
        case .readReviews: return "reviews of \(item)"
        case .productDetails: return "details of \(item)"
        case .addToCart: return "adding \(response.quantity > 1 ? "\(response.quantity) of " : "")\(item) to the cart"
        case .removeFromCart: return "removing \(item) from the cart"
        case .viewCart: return "your cart"
        case .checkout: return "checking out"
        case .orderStatus: return response.orderID.isEmpty ? "your order status" : "the status of order \(response.orderID)"
        case .trackShipment: return response.orderID.isEmpty ? "tracking your shipment" : "tracking order \(response.orderID)"
        case .returnItem: return response.orderID.isEmpty ? "a return" : "a return from order \(response.orderID)"
        case .customerService: return "connecting you with customer service"
        case .greetingHelp: return "what I can do"
        default: return "not understood"
        }
    }

    static func describe(ordinal: String) -> String {
        switch ordinal {
        case "1": "the first one"
        case "2": "the second one"
        case "3": "the third one"
        case "4": "the fourth one"
        case "5": "the fifth one"
        case "-1": "the last one"
        case "-2": "the one before last"
        default: "number \(ordinal)"
        }
    }

    static func search(_ response: NLUV1.ParseResponse, _ filters: NLUV1.Filters) -> String {
        var words: [String] = []
        if response.sort != .unspecified, response.sort != .relevance {
            switch response.sort {
            case .priceAsc: words.append("the cheapest")
            case .priceDesc: words.append("the most expensive")
            case .ratingDesc: words.append("the best rated")
            case .newest: words.append("the newest")
            default: break
            }
        }
        if !filters.color.isEmpty { words.append(filters.color) }
        if !filters.material.isEmpty { words.append(filters.material) }
        if !filters.brand.isEmpty { words.append(filters.brand) }
        let subject = response.slots.first { $0.name == "category" || $0.name == "product" }?.value
        words.append(subject ?? (filters.category.isEmpty ? "products" : filters.category.lowercased()))
        if !filters.size.isEmpty { words.append("in size \(filters.size)") }
        let symbol = filters.currency == "EUR" ? "€" : filters.currency == "GBP" ? "£" : "$"
        if filters.priceMin > 0, filters.priceMax > 0 {
            words.append("from \(symbol)\(SpokenNumbers.format(filters.priceMin)) to \(symbol)\(SpokenNumbers.format(filters.priceMax))")
        } else if filters.priceMax > 0 {
            words.append("under \(symbol)\(SpokenNumbers.format(filters.priceMax))")
        } else if filters.priceMin > 0 {
            words.append("over \(symbol)\(SpokenNumbers.format(filters.priceMin))")
        }
        if filters.ratingMin > 0 { words.append("rated \(SpokenNumbers.format(Double(filters.ratingMin))) stars or more") }
        return words.joined(separator: " ")
    }
}
