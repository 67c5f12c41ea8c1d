/// The REST API's routes, matched from a method and a path.
enum Route: Equatable {
    case index
    case asset(String)
    case healthz, readyz, metrics, openAPI
    case search, voiceSearch, voiceStream
    case product(String), reviews(String), similar(String)
    case recommendations(String), forgetUser(String)
    case events
    case cart(String), addCartItem(String), removeCartItem(String, String), checkout(String)
    case orders(String), order(String, String), returns(String, String)
    case adminCreateProduct, adminPatchProduct(String), adminDeleteProduct(String), adminImport, adminReindex, adminStats

    /// How the route needs to be authorised.
    enum Access { case open, client, admin }

    var access: Access {
        switch self {
        case .index, .asset, .healthz, .readyz, .metrics, .openAPI: .open
        case .adminCreateProduct, .adminPatchProduct, .adminDeleteProduct, .adminImport, .adminReindex, .adminStats: .admin
        default: .client
        }
    }

    /// The outcome of matching: a route with its metrics label, a path known under another
    /// method (405), or nothing (404).
    enum Match: Equatable {
        case route(Route, label: String)
        case wrongMethod(allowed: [HTTPMethod], label: String)
        case none
    }

    /// Matches a request.
    static func match(_ method: HTTPMethod, _ path: String) -> Match {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // HEAD is answered like GET (the server sends no body for it).
        let method = method == .head ? .get : method
        func one(_ expected: HTTPMethod, _ route: Route, _ label: String) -> Match {
            method == expected ? .route(route, label: label) : .wrongMethod(allowed: [expected], label: label)
        }
        func choose(_ label: String, _ table: [(HTTPMethod, Route)]) -> Match {
            if let found = table.first(where: { $0.0 == method }) { return .route(found.1, label: label) }
            return .wrongMethod(allowed: table.map(\.0), label: label)
        }
        switch segments.count {
        case 0: return one(.get, .index, "/")
        case 1:
            switch segments[0] {
            case "healthz": return one(.get, .healthz, "/healthz")
            case "readyz": return one(.get, .readyz, "/readyz")
            case "metrics": return one(.get, .metrics, "/metrics")
            case "openapi.json": return one(.get, .openAPI, "/openapi.json")
            case "index.html": return one(.get, .index, "/")
            case let name where StaticAssets.names.contains(name): return one(.get, .asset(name), "/{asset}")
            default: return .none
            }
        default: break
        }
        guard segments[0] == "v1" else { return .none }
        let rest = Array(segments.dropFirst())
        switch rest.count {
        case 1:
            switch rest[0] {
            case "search": return one(.post, .search, "/v1/search")
            case "voice-search": return one(.post, .voiceSearch, "/v1/voice-search")
            case "voice-stream": return one(.get, .voiceStream, "/v1/voice-stream")
            case "events": return one(.post, .events, "/v1/events")
            default: return .none
            }
        case 2:
            switch rest[0] {
            case "products": return one(.get, .product(rest[1]), "/v1/products/{id}")
            case "users": return one(.delete, .forgetUser(rest[1]), "/v1/users/{id}")
            case "admin":
                switch rest[1] {
                case "products": return one(.post, .adminCreateProduct, "/v1/admin/products")
                case "products:import": return one(.post, .adminImport, "/v1/admin/products:import")
                case "reindex": return one(.post, .adminReindex, "/v1/admin/reindex")
                case "stats": return one(.get, .adminStats, "/v1/admin/stats")
                default: return .none
                }
            default: return .none
            }
        case 3:
            switch (rest[0], rest[2]) {
            case ("products", "reviews"): return one(.get, .reviews(rest[1]), "/v1/products/{id}/reviews")
            case ("products", "similar"): return one(.get, .similar(rest[1]), "/v1/products/{id}/similar")
            case ("users", "recommendations"): return one(.get, .recommendations(rest[1]), "/v1/users/{id}/recommendations")
            case ("users", "cart"): return one(.get, .cart(rest[1]), "/v1/users/{id}/cart")
            case ("users", "checkout"): return one(.post, .checkout(rest[1]), "/v1/users/{id}/checkout")
            case ("users", "orders"): return one(.get, .orders(rest[1]), "/v1/users/{id}/orders")
            default:
                if rest[0] == "admin" && rest[1] == "products" {
                    return choose(
                        "/v1/admin/products/{id}", [(.patch, .adminPatchProduct(rest[2])), (.delete, .adminDeleteProduct(rest[2]))])
                }
                return .none
            }
        case 4:
            if rest[0] == "users" && rest[2] == "cart" && rest[3] == "items" {
                return one(.post, .addCartItem(rest[1]), "/v1/users/{id}/cart/items")
            }
            if rest[0] == "users" && rest[2] == "orders" { return one(.get, .order(rest[1], rest[3]), "/v1/users/{id}/orders/{order_id}") }
            return .none
        case 5:
            if rest[0] == "users" && rest[2] == "cart" && rest[3] == "items" {
                return one(.delete, .removeCartItem(rest[1], rest[4]), "/v1/users/{id}/cart/items/{product_id}")
            }
            if rest[0] == "users" && rest[2] == "orders" && rest[4] == "returns" {
                return one(.post, .returns(rest[1], rest[3]), "/v1/users/{id}/orders/{order_id}/returns")
            }
            return .none
        default:
            return .none
        }
    }
}
