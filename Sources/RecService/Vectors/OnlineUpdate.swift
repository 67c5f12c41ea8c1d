/// The seed model's personal score r̂_ui = σ(h_u·v_i) and its online update.
///
/// For one observed (user, item, r) with r = 1 for an interaction, the logistic loss with L2
/// regularisation is
///
///     L(h) = −[r·log σ(h·v) + (1 − r)·log(1 − σ(h·v))] + (λ/2)·|h|²
///
/// and its gradient is ∇L = −(r − σ(h·v))·v + λ·h. (The seed article prints the gradient
/// without the residual (r − σ); that step never stops growing h.) One online step moves h
/// against the gradient: h ← h − η·∇L, so for a batch of events the step is
/// η·Σ_i (r_ui − σ(h·v_i))·v_i − η·λ·h.
public enum OnlineUpdate {
    /// The learning rate and regularisation of the online step.
    public struct Settings: Hashable, Sendable {
        public var learningRate: Float = 0.5
        public var regularization: Float = 0.01

        public init() {}
    }

    /// How strongly an event counts: the step is scaled by it (a purchase says more than a view,
    /// and a return as much as a purchase, the other way).
    public static func weight(of type: String) -> Float {
        switch type {
        case "purchase", "return": 1.5
        case "add_to_cart": 1.0
        case "click": 0.6
        case "view": 0.2
        default: 0
        }
    }

    /// The label r of an event's item: 1 for an interaction, 0 for a return (the shopper
    /// did not want it: the step moves h_u away from the item).
    public static func label(of type: String) -> Float { type == "return" ? 0 : 1 }

    /// The loss L(h) for one observation.
    public static func loss(user h: [Float], item v: [Float], label r: Float, regularization λ: Float) -> Float {
        let p = VectorMath.sigmoid(VectorMath.dot(h, v))
        let epsilon: Float = 1e-7
        let data = -(r * logf(max(p, epsilon)) + (1 - r) * logf(max(1 - p, epsilon)))
        return data + λ / 2 * VectorMath.dot(h, h)
    }

    /// The gradient ∇L(h) for one observation.
    public static func gradient(user h: [Float], item v: [Float], label r: Float, regularization λ: Float) -> [Float] {
        let residual = r - VectorMath.sigmoid(VectorMath.dot(h, v))
        return zip(h, v).map { hk, vk in -residual * vk + λ * hk }
    }

    /// One step: h − η·weight·∇L(h) for each observation in turn.
    public static func step(
        user h: [Float], observations: [(item: [Float], label: Float, weight: Float)], settings: Settings
    ) -> [Float] {
        var h = h
        for observation in observations where observation.weight > 0 {
            let g = gradient(user: h, item: observation.item, label: observation.label, regularization: settings.regularization)
            for k in h.indices { h[k] -= settings.learningRate * observation.weight * g[k] }
        }
        return h
    }
}

internal import Glibc
