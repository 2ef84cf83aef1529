import ConveyorCore
import Hummingbird

extension Parameters {
    /// A path parameter with its percent-encoding undone: clients encode names such as
    /// `trigger:abc` (`trigger%3Aabc`) and the router hands the segment over as sent.
    func requireDecoded(_ name: String) throws -> String {
        let raw = try require(name)
        return raw.removingPercentEncoding ?? raw
    }
}
