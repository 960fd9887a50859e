/// A planar float32 tensor of one image: `channels × height × width`, value (c, y, x) at (c·height + y)·width + x.
/// A batch of B feature vectors for 1×1 layers is the map `channels × 1 × B`.
public struct FeatureMap: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "feature map size disagrees with its shape")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    public init(channels: Int, height: Int, width: Int) {
        self.init(channels: channels, height: height, width: width,
                  values: [Float](repeating: 0, count: channels * height * width))
    }

    public var plane: Int { height * width }
    public var count: Int { values.count }
}
