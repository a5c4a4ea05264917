/// The JSON body of a read API's 400 answer (`BadQueryParameter`): which parameter, and why.
public struct BadRequestBody: Decodable, Sendable {
    public struct Problem: Decodable, Sendable {
        public let field: String
        public let message: String
    }

    public let error: Problem
}
