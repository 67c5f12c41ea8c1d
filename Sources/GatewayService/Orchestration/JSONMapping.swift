internal import JSON
internal import Protos

/// How downstream messages appear in the REST API's JSON (snake_case field names, the
/// contract in services/gateway/openapi.json).
enum JSONMapping {
    /// A number, rounded to `places` decimals (so a Float's 4.4000001 reads 4.4).
    static func number(_ value: Double, places: Int = 6) -> JSONValue {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return JSONValue((value * scale).rounded() / scale) ?? .null
    }

    static func number(_ value: Float, places: Int = 4) -> JSONValue { number(Double(value), places: places) }

    /// The lower-case name of a proto enum value without its prefix: `INTENT_ADD_TO_CART` → `add_to_cart`.
    static func enumName(_ value: some ProtoEnum, prefix: String) -> String {
        guard let name = value.protoName else { return "unknown" }
        return String(name.dropFirst(name.hasPrefix(prefix) ? prefix.count : 0)).lowercased()
    }

    static func intentName(_ intent: NLUV1.Intent) -> String { enumName(intent, prefix: "INTENT_") }

    /// A search result in the contract's shape.
    static func result(_ ranked: RecV1.RankedProduct) -> JSONValue {
        var object = productSummary(ranked.product ?? RecV1.Product())
        object["why"] = .string(ranked.why)
        object["score"] = number(ranked.score, places: 4)
        return .object(object)
    }

    static func productSummary(_ product: RecV1.Product) -> [String: JSONValue] {
        [
            "id": .string(product.id), "sku": .string(product.sku), "title": .string(product.title), "brand": .string(product.brand),
            "category": .string(product.category), "price": number(product.price, places: 2), "currency": .string(product.currency),
            "rating": number(product.rating, places: 2), "review_count": JSONValue(product.reviewCount),
            "image_url": .string(product.imageURL), "stock": JSONValue(product.stock),
        ]
    }

    /// A whole product, for `GET /v1/products/{id}`.
    static func product(_ product: RecV1.Product) -> JSONValue {
        var object = productSummary(product)
        object["description"] = .string(product.description)
        var attributes: [String: [String]] = [:]
        for attribute in product.attributes { attributes[attribute.name, default: []].append(attribute.value) }
        object["attributes"] = .object(attributes.mapValues { values in .array(values.map { .string($0) }) })
        object["created_at_ms"] = JSONValue(product.createdAtMs)
        object["updated_at_ms"] = JSONValue(product.updatedAtMs)
        return .object(object)
    }

    static func filters(_ filters: NLUV1.Filters?) -> JSONValue {
        guard let filters else { return .object([:]) }
        var object: [String: JSONValue] = [:]
        if !filters.category.isEmpty { object["category"] = .string(filters.category) }
        if !filters.brand.isEmpty { object["brand"] = .string(filters.brand) }
        if !filters.color.isEmpty { object["color"] = .string(filters.color) }
        if !filters.size.isEmpty { object["size"] = .string(filters.size) }
        if !filters.material.isEmpty { object["material"] = .string(filters.material) }
        if filters.priceMin > 0 { object["price_min"] = number(filters.priceMin, places: 2) }
        if filters.priceMax > 0 { object["price_max"] = number(filters.priceMax, places: 2) }
        if filters.ratingMin > 0 { object["rating_min"] = number(filters.ratingMin, places: 2) }
        return .object(object)
    }

    static func searchFilters(_ filters: NLUV1.Filters?) -> RecV1.SearchFilters? {
        guard let filters else { return nil }
        var out = RecV1.SearchFilters()
        out.category = filters.category
        out.brand = filters.brand
        out.color = filters.color
        out.size = filters.size
        out.material = filters.material
        out.priceMin = filters.priceMin
        out.priceMax = filters.priceMax
        out.currency = filters.currency
        out.ratingMin = filters.ratingMin
        return out
    }

    static func sort(_ sort: NLUV1.Sort) -> RecV1.Sort { RecV1.Sort(rawValue: sort.rawValue) }

    static func facets(_ facets: RecV1.Facets?) -> JSONValue {
        guard let facets else { return ["brand": [], "category": [], "price": []] }
        return [
            "brand": .array(facets.brands.map { ["value": .string($0.value), "count": JSONValue($0.count)] }),
            "category": .array(facets.categories.map { ["value": .string($0.value), "count": JSONValue($0.count)] }),
            "price": .array(
                facets.prices.map { bucket in
                    [
                        "min": number(bucket.minPrice, places: 2), "max": bucket.maxPrice > 0 ? number(bucket.maxPrice, places: 2) : .null,
                        "count": JSONValue(bucket.count),
                    ]
                }),
        ]
    }

    static func review(_ review: RecV1.Review) -> JSONValue {
        [
            "id": .string(review.id), "product_id": .string(review.productID), "author": .string(review.author),
            "rating": JSONValue(review.rating), "title": .string(review.title), "body": .string(review.body),
            "helpful_votes": JSONValue(review.helpfulVotes), "created_at_ms": JSONValue(review.createdAtMs),
        ]
    }

    static func reviewSummary(_ summary: RecV1.ReviewSummary?) -> JSONValue {
        guard let summary else { return ["average_rating": 0, "count": 0, "histogram": [0, 0, 0, 0, 0]] }
        var object: [String: JSONValue] = [
            "average_rating": number(summary.averageRating, places: 2), "count": JSONValue(summary.count),
            "histogram": .array(summary.histogram.map { JSONValue($0) }),
        ]
        if let positive = summary.topPositive { object["top_positive"] = review(positive) }
        if let negative = summary.topNegative { object["top_negative"] = review(negative) }
        return .object(object)
    }

    static func cart(_ cart: RecV1.Cart) -> JSONValue {
        [
            "user_id": .string(cart.userID),
            "items": .array(
                cart.items.map { item in
                    [
                        "product": .object(productSummary(item.product ?? RecV1.Product())), "quantity": JSONValue(item.quantity),
                        "line_total": number(item.lineTotal, places: 2),
                    ]
                }),
            "item_count": JSONValue(cart.itemCount), "subtotal": number(cart.subtotal, places: 2), "currency": .string(cart.currency),
        ]
    }

    static func order(_ order: RecV1.Order) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(order.id), "user_id": .string(order.userID), "status": .string(enumName(order.status, prefix: "ORDER_STATUS_")),
            "items": .array(
                order.items.map { item in
                    [
                        "product_id": .string(item.productID), "sku": .string(item.sku), "title": .string(item.title),
                        "quantity": JSONValue(item.quantity), "unit_price": number(item.unitPrice, places: 2),
                        "returned_quantity": JSONValue(item.returnedQuantity),
                    ]
                }),
            "total": number(order.total, places: 2), "currency": .string(order.currency), "created_at_ms": JSONValue(order.createdAtMs),
            "returns": .array(order.returns.map(returnInfo)),
        ]
        if let shipment = order.shipment {
            object["shipment"] = [
                "carrier": .string(shipment.carrier), "tracking_number": .string(shipment.trackingNumber), "status": .string(shipment.status),
                "location": .string(shipment.location), "estimated_delivery_ms": JSONValue(shipment.estimatedDeliveryMs),
                "shipped_at_ms": JSONValue(shipment.shippedAtMs),
            ]
        }
        return .object(object)
    }

    static func returnInfo(_ info: RecV1.ReturnInfo) -> JSONValue {
        [
            "id": .string(info.id), "product_ids": .array(info.productIDs.map { .string($0) }), "reason": .string(info.reason),
            "status": .string(enumName(info.status, prefix: "RETURN_STATUS_")), "created_at_ms": JSONValue(info.createdAtMs),
        ]
    }

    /// A price as a voice reply says it: "$45.99", or "45.99 EUR".
    static func spokenPrice(_ price: Double, currency: String) -> String {
        let cents = Int((price * 100).rounded())
        let whole = cents / 100
        let fraction = cents % 100
        let amount = fraction == 0 ? "\(whole)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
        switch currency {
        case "", "USD": return "$" + amount
        case "EUR": return "€" + amount
        case "GBP": return "£" + amount
        default: return "\(amount) \(currency)"
        }
    }

    /// A Unix time in milliseconds as a calendar date, "2025-03-14" (UTC).
    static func date(ms: Int64) -> String {
        // Howard Hinnant's days-to-civil algorithm.
        let days = Int(ms / 86_400_000)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(pad(month))-\(pad(day))"
    }
}
