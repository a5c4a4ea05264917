import Foundation
import Hummingbird
import KvittContracts

/// The read APIs' JSON: the message coding (RFC 3339 instants, minor-unit money), pretty-printed for people.
public enum JSONResponse {
    /// A 200 response with `value` as JSON.
    public static func make<Value: Encodable>(_ value: Value) throws -> Response {
        let encoder = MessageCoding.makeEncoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(data: try encoder.encode(value)))
        )
    }
}
