import ServiceKit

/// rec-svc: catalog, search and ranking on PostgreSQL. Its Rec and CatalogAdmin methods arrive with the rec-svc issue; until then it serves
/// health only, and every other method answers UNIMPLEMENTED.
@main
enum Entrypoint {
    static func main() async {
        await ServiceMain.run(name: "rec-svc", defaultPort: 50063) { _, _ in [] }
    }
}
