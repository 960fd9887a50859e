import CKernels

/// The one place DSACTraining calls C: status codes become `TrainingError.kernel`.
enum NetworkKernels {
    static func check(_ status: dsac_status, _ what: String) throws(TrainingError) {
        guard Int(status) != DSAC_OK else { return }
        throw .kernel("\(what): " + String(cString: dsac_status_message(status)))
    }

    static func outputSize(_ shape: dsac_conv_shape, _ extent: Int) -> Int {
        var s = shape
        return Int(dsac_conv_output_size(&s, Int64(extent)))
    }

    /// output = conv(input) (+ bias), ReLU'd when `relu`; `output` must hold out × Ho × Wo values.
    static func convForward(_ shape: dsac_conv_shape, height: Int, width: Int, input: UnsafePointer<Float>,
                            weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, relu: Bool, threads: Int,
                            output: UnsafeMutablePointer<Float>) throws(TrainingError) {
        var s = shape
        try check(dsac_conv2d_forward(&s, Int64(height), Int64(width), input, weight, bias, relu ? 1 : 0,
                                      Int32(threads), output), "conv2d forward")
    }

    static func convBackward(_ shape: dsac_conv_shape, height: Int, width: Int, input: UnsafePointer<Float>,
                             weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, threads: Int,
                             inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?,
                             biasGradient: UnsafeMutablePointer<Float>?) throws(TrainingError) {
        var s = shape
        try check(dsac_conv2d_backward(&s, Int64(height), Int64(width), input, weight, outputGradient,
                                       Int32(threads), inputGradient, weightGradient, biasGradient),
                  "conv2d backward")
    }

    static func reluBackward(count: Int, output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>)
        throws(TrainingError)
    {
        try check(dsac_relu_backward(Int64(count), output, gradient), "relu backward")
    }

    static func upsampleForward(channels: Int, height: Int, width: Int, factor: Int, outHeight: Int, outWidth: Int,
                                input: UnsafePointer<Float>, threads: Int, output: UnsafeMutablePointer<Float>)
        throws(TrainingError)
    {
        try check(dsac_upsample_nearest_forward(Int64(channels), Int64(height), Int64(width), Int32(factor),
                                                Int64(outHeight), Int64(outWidth), input, Int32(threads), output),
                  "upsample forward")
    }

    static func upsampleBackward(channels: Int, height: Int, width: Int, factor: Int, outHeight: Int, outWidth: Int,
                                 outputGradient: UnsafePointer<Float>, threads: Int,
                                 inputGradient: UnsafeMutablePointer<Float>) throws(TrainingError) {
        try check(dsac_upsample_nearest_backward(Int64(channels), Int64(height), Int64(width), Int32(factor),
                                                 Int64(outHeight), Int64(outWidth), outputGradient, Int32(threads),
                                                 inputGradient), "upsample backward")
    }

    /// C[m × n] = A[m × k] · B[k × n], or A · Bᵀ with B stored n × k when `transposeB`; row-major; `accumulate`
    /// adds to C.
    static func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, transposeB: Bool,
                     accumulate: Bool, threads: Int, c: UnsafeMutablePointer<Float>) throws(TrainingError) {
        try check(dsac_gemm(Int64(m), Int64(n), Int64(k), a, b, transposeB ? 1 : 0, accumulate ? 1 : 0,
                            Int32(threads), c), "gemm")
    }

    /// For each of n unit points (n × d) the centroid (k × d) with the largest inner product.
    static func nearestCentroid(n: Int, k: Int, d: Int, points: UnsafePointer<Float>, centroids: UnsafePointer<Float>,
                                threads: Int, index: UnsafeMutablePointer<Int32>,
                                similarity: UnsafeMutablePointer<Float>) throws(TrainingError) {
        try check(dsac_nearest_centroid(Int64(n), Int64(k), Int64(d), points, centroids, Int32(threads), index,
                                        similarity), "nearest centroid")
    }

    /// Inverted-file search (see `dsac_ivf_search`): the best key row of each query.
    static func ivfSearch(queries: UnsafePointer<Float>, count q: Int, lists: Int, d: Int,
                          centroids: UnsafePointer<Float>, offsets: UnsafePointer<Int64>, keys: UnsafePointer<Float>,
                          probes: Int, threads: Int, index: UnsafeMutablePointer<Int64>,
                          similarity: UnsafeMutablePointer<Float>) throws(TrainingError) {
        try check(dsac_ivf_search(Int64(q), Int64(lists), Int64(d), queries, centroids, offsets, keys, Int32(probes),
                                  Int32(threads), index, similarity), "memory search")
    }

    /// Eigenvalues (decreasing) and eigenvectors (columns, row-major n × n) of a symmetric matrix.
    static func symmetricEigen(_ matrix: [Double], n: Int) throws(TrainingError) -> (values: [Double], vectors: [Double]) {
        var values = [Double](repeating: 0, count: n), vectors = [Double](repeating: 0, count: n * n)
        try check(dsac_symmetric_eigen(Int64(n), matrix, &values, &vectors), "symmetric eigen-decomposition")
        return (values, vectors)
    }
}
