/*
 * CKernels.h — the plain-C boundary of the DSAC kernels (C99).
 *
 * Conventions (the README repeats them):
 *   - A pose is cam_from_world: x_cam = R * X_world + t. R is row-major 3x3, float64.
 *   - Camera axes as OpenCV: x right, y down, z forward. Pixel (0, 0) is the centre of the top-left pixel.
 *   - Scene in metres, image in pixels. Scene coordinates and pixels arrive as float32 structure-of-arrays;
 *     geometry (solvers, refinement, Jacobians) runs in float64.
 *   - Pose perturbation model of every Jacobian: R(d) = exp([d_omega]x) * R, t(d) = t + d_t, with the 6-vector
 *     d = (d_omega, d_t) (left perturbation in axis-angle, then translation).
 *   - Reprojection residual of correspondence i: r_i = pi(R X_i + t) - p_i (2-vector, pixels);
 *     its error is e_i = |r_i|. Points with z_cam <= DSAC_MIN_DEPTH are "behind the camera": their error is
 *     the clamp (max_error) and they are never inliers.
 *   - Non-finite pixels or scene coordinates are treated as outliers: error = max_error, never an inlier.
 *
 * Rules: every symbol starts with dsac_/DSAC_; every entry point returns a dsac_status and writes its outputs
 * only on success; buffers are owned by the caller; kernels keep no state, print nothing, own no randomness,
 * and give the same result on any thread count.
 */
#ifndef DSAC_CKERNELS_H
#define DSAC_CKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------------------- */
typedef int32_t dsac_status;
enum {
    DSAC_OK = 0,
    DSAC_ERROR_NULL_POINTER = 1,       /* a required pointer was NULL */
    DSAC_ERROR_INVALID_SIZE = 2,       /* a count is negative, zero where it must not be, or too large */
    DSAC_ERROR_INVALID_INTRINSICS = 3, /* non-finite or non-positive focal length, non-finite principal point */
    DSAC_ERROR_INVALID_OPTIONS = 4,    /* an option is out of its documented range */
    DSAC_ERROR_INVALID_POSE = 5,       /* a pose holds a non-finite value */
    DSAC_ERROR_TOO_FEW_INLIERS = 6,    /* refinement found fewer inliers than it needs */
    DSAC_ERROR_DEGENERATE = 7,         /* a linear system is singular, or a result would be non-finite */
    DSAC_ERROR_INTERNAL = 8            /* an unexpected C++ exception; a bug */
};

/* A short, static, human-readable description of a status code. Never NULL. */
const char *dsac_status_message(dsac_status status);

/* Smallest camera-frame depth (metres) a point may have to count as in front of the camera. */
#define DSAC_MIN_DEPTH 1e-6

/* Largest number of threads any kernel accepts; more is DSAC_ERROR_INVALID_OPTIONS. */
#define DSAC_MAX_THREADS 1024

/* ---------------------------------------------------------------------------------------------------------
 * Plain data
 * ------------------------------------------------------------------------------------------------------- */
typedef struct {
    double fx, fy; /* focal lengths, pixels, > 0 */
    double cx, cy; /* principal point, pixels */
} dsac_intrinsics;

typedef struct {
    double rotation[9];    /* R, row-major, a rotation matrix */
    double translation[3]; /* t, metres */
} dsac_pose;               /* cam_from_world */

typedef struct {
    const float *x, *y;          /* pixel positions, count each */
    const float *X, *Y, *Z;      /* scene coordinates (world, metres), count each */
    int64_t count;               /* N >= 0 */
} dsac_correspondences;

/* ---------------------------------------------------------------------------------------------------------
 * Minimal solver: P3P (Lambda Twist, Persson & Nordberg, ECCV 2018)
 * ------------------------------------------------------------------------------------------------------- */

/* Solves R * X_k + t = lambda_k * b_k (k = 0, 1, 2, lambda_k > 0) for cam_from_world poses.
 * bearings: 3 bearing vectors (need not be unit length), row k = b_k; points: 3 world points, row k = X_k.
 * Writes every real solution (0..4) to solutions[0..*solution_count). Solutions with a non-positive depth are
 * discarded. Collinear or coincident inputs give 0 solutions (DSAC_OK). Non-finite inputs: DSAC_ERROR_DEGENERATE. */
dsac_status dsac_p3p(const double bearings[9], const double points[9], dsac_pose solutions[4],
                     int32_t *solution_count);

/* Hypotheses from minimal sets of 4 correspondences (DSAC's rule): P3P on the first three; among its solutions
 * keep the one with the smallest reprojection error of the fourth; the set is valid only when all four reproject
 * within inlier_threshold pixels and lie in front of the camera.
 * sets: set_count x 4 indices into the correspondences (row-major). Writes hypotheses[set_count] and
 * valid[set_count] (1 valid, 0 not; an invalid set's hypothesis is the identity pose). OpenMP over sets. */
dsac_status dsac_hypotheses_from_sets(const dsac_correspondences *correspondences,
                                      const dsac_intrinsics *intrinsics, const int32_t *sets, int64_t set_count,
                                      double inlier_threshold, int32_t threads, dsac_pose *hypotheses,
                                      uint8_t *valid);

/* ---------------------------------------------------------------------------------------------------------
 * Scoring (all hypotheses over all correspondences)
 * ------------------------------------------------------------------------------------------------------- */
typedef struct {
    double threshold;  /* tau, pixels, > 0 (default 10) */
    double beta;       /* sigmoid slope, 1/pixels, > 0 (default 0.5) */
    double alpha;      /* score scale, finite (default 1 plain, 100 with normalize as DSAC*) */
    double max_error;  /* error clamp, pixels, >= threshold (default 100) */
    int32_t normalize; /* 0: s = alpha * sum_i sig(beta (tau - e_i)) (DSAC++); 1: the same divided by N (DSAC*) */
} dsac_score_options;

/* scores[h] = the soft inlier score of hypotheses[h]; inlier_counts (may be NULL) gets the number of
 * correspondences with e < threshold. Float32 arithmetic per point, fixed summation order. OpenMP over
 * hypotheses. */
dsac_status dsac_score_hypotheses(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                                  const dsac_pose *hypotheses, int64_t hypothesis_count,
                                  const dsac_score_options *options, int32_t threads, double *scores,
                                  int32_t *inlier_counts);

/* errors[i] = min(e_i, max_error) of one pose, float32 arithmetic (behind the camera or non-finite: max_error). */
dsac_status dsac_reprojection_errors(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                                     const dsac_pose *pose, double max_error, float *errors);

/* mask[i] = 1 where e_i < threshold (in front of the camera, finite), else 0; *inlier_count = their number. */
dsac_status dsac_inlier_mask(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                             const dsac_pose *pose, double threshold, uint8_t *mask, int64_t *inlier_count);

/* ---------------------------------------------------------------------------------------------------------
 * Jacobians of the reprojection residual (float64)
 * ------------------------------------------------------------------------------------------------------- */

/* For one correspondence (pixel p, scene point X): residual r = pi(R X + t) - p, and, when not NULL,
 * J_pose = dr/d(d_omega, d_t) (2x6 row-major, perturbation model above) and J_point = dr/dX (2x3 row-major).
 * DSAC_ERROR_DEGENERATE when the point is behind the camera (z <= DSAC_MIN_DEPTH). */
dsac_status dsac_projection_jacobians(const dsac_intrinsics *intrinsics, const dsac_pose *pose,
                                      const double pixel[2], const double point[3], double residual[2],
                                      double J_pose[12], double J_point[6]);

/* ---------------------------------------------------------------------------------------------------------
 * Refinement: Levenberg-Marquardt on the inliers' residuals, re-selecting inliers until their number stops
 * growing (DSAC*'s schedule)
 * ------------------------------------------------------------------------------------------------------- */
typedef struct {
    double threshold;       /* inlier threshold, pixels, > 0 */
    int32_t max_rounds;     /* inlier re-selection rounds, >= 1 (DSAC*: 100) */
    int32_t max_iterations; /* LM iterations per round, >= 1 (OpenCV: 20) */
    int32_t min_inliers;    /* fewer inliers than this: DSAC_ERROR_TOO_FEW_INLIERS, >= 4 */
} dsac_refine_options;

typedef struct {
    int32_t rounds;        /* re-selection rounds run */
    int32_t iterations;    /* LM iterations run in all rounds */
    int64_t inlier_count;  /* size of the set the final pose was optimised on */
    double rms_error;      /* RMS reprojection error (pixels) of that set at the final pose */
} dsac_refine_report;

/* Refines one pose. Round k: select the inliers of the current pose; stop when they are no more than in the
 * previous round (the first round always runs); otherwise minimise sum |r_i|^2 over them by LM from the current
 * pose. The result is the minimiser over the last set optimised on; inlier_mask (may be NULL) gets that set. */
dsac_status dsac_refine_pose(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                             const dsac_pose *initial, const dsac_refine_options *options, dsac_pose *refined,
                             uint8_t *inlier_mask, dsac_refine_report *report);

/* Refines hypothesis_count poses independently (OpenMP over poses). inlier_masks (may be NULL) is
 * hypothesis_count x N. status[h] gets each pose's own status (DSAC_OK or DSAC_ERROR_TOO_FEW_INLIERS /
 * DSAC_ERROR_DEGENERATE); the call itself fails only on bad arguments. A failed pose is copied unchanged. */
dsac_status dsac_refine_poses(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                              const dsac_pose *initial, int64_t hypothesis_count, const dsac_refine_options *options,
                              int32_t threads, dsac_pose *refined, uint8_t *inlier_masks,
                              dsac_refine_report *reports, dsac_status *status);

/* ---------------------------------------------------------------------------------------------------------
 * Differentiable DSAC (training): float64 scores and the backward pass of the expected loss
 *
 *   E = sum_j p_j l_j,  p = softmax(s) over the valid hypotheses,  s_j = alpha S_j,
 *   S_j = sum_i sig(beta (tau - e_ij)) (divided by N when normalize), e_ij = min(|r_ij|, max_error).
 * Gradients w.r.t. a pose use the perturbation model above; dE/dY is w.r.t. the scene coordinates (X, Y, Z).
 * ------------------------------------------------------------------------------------------------------- */

/* Soft inlier scores as dsac_score_hypotheses, but every point in float64 (exact exp): the training path, so that
 * E is smooth to rounding level and its gradient can be checked by central differences. OpenMP over hypotheses;
 * each hypothesis is summed in a fixed order. inlier_counts may be NULL. */
dsac_status dsac_score_hypotheses_f64(const dsac_correspondences *correspondences,
                                      const dsac_intrinsics *intrinsics, const dsac_pose *hypotheses,
                                      int64_t hypothesis_count, const dsac_score_options *options,
                                      int32_t threads, double *scores, int32_t *inlier_counts);

/* Derivative of the pose found by P3P from three correspondences, by the implicit function theorem on their
 * projection constraints r_k(h, X_k) = 0 (k = 0, 1, 2; 6 equations): A dh = -B dX with A = [J_pose_0; J_pose_1;
 * J_pose_2] (6x6) and B = blockdiag(J_point_k) (6x9). Writes J_pose_points = dh/d(X_0, X_1, X_2) (6x9 row-major,
 * pose perturbation model above; rows d_omega then d_t). The pixels are constants; the fourth point of a DSAC set
 * only picks the root and has no derivative. DSAC_ERROR_DEGENERATE when a point is behind the camera or the
 * reciprocal condition number of A is below rcond_min (near a P3P branch point: the derivative is unbounded). */
dsac_status dsac_p3p_jacobian(const dsac_intrinsics *intrinsics, const dsac_pose *pose, const double pixels[6],
                              const double points[9], double rcond_min, double J_pose_points[54]);

/* Polishes refined poses to the optimum of their final inlier set (1/2 sum |r_i|^2): Newton steps with the exact
 * Hessian until the step is below 1e-15 (1 + |t|), at most max_steps (>= 1). Refinement's LM stops near 1e-10 m,
 * which central differences of E would see as noise; the training forward polishes so that h° is the optimum the
 * refinement derivative assumes. inlier_masks: count x N. polished[j] = 1 when pose j was polished, 0 when left
 * as it was (singular Hessian, or a step above 1e-3 (1 + |t|): not at a minimum). OpenMP over poses. */
dsac_status dsac_polish_refined_poses(const dsac_correspondences *correspondences, const dsac_intrinsics *intrinsics,
                                      dsac_pose *poses, int64_t count, const uint8_t *inlier_masks,
                                      int32_t max_steps, int32_t threads, uint8_t *polished);

typedef struct {
    dsac_score_options score; /* the soft inlier score the forward pass used (its tau is the score's only) */
    int32_t score_path;       /* 1: differentiate the soft inlier score; 0: the scores came from elsewhere (a
                                 learned score function passes its own dE/dh_j through pose_gradient) */
    double solver_rcond_min;  /* minimal sets whose 6x6 P3P system has rcond below this are degenerate (1e-10) */
    double refine_rcond_min;  /* refined poses whose 6x6 Hessian has rcond below this are degenerate (1e-12) */
    double score_path_cutoff; /* in [0, 1): hypotheses with 0 < |dE/ds_j| <= cutoff * max_k |dE/ds_k| skip the score
                                 path (direct, indirect and their dE/d(alpha, beta, tau) terms; each dropped term is
                                 below cutoff times the largest hypothesis's term of the same form); counted in
                                 report->score_path_skipped. 0 (also what an initialiser that omits it gives): none */
} dsac_backward_options;

/* Flags of dsac_expected_loss_backward's per-hypothesis output. */
enum {
    DSAC_BACKWARD_SOLVER_DEGENERATE = 1, /* the minimal-set derivative was singular: that path was skipped */
    DSAC_BACKWARD_REFINE_DEGENERATE = 2  /* the refinement derivative was singular: that path was skipped */
};

typedef struct {
    int64_t solver_degenerate;  /* hypotheses whose minimal-set path was skipped (singular P3P system) */
    int64_t refine_degenerate;  /* refined hypotheses whose refinement path was skipped (singular Hessian) */
    int64_t nonfinite_point;    /* on DSAC_ERROR_DEGENERATE for a non-finite gradient: the first such point; else -1 */
    /* Wall-clock seconds by stage (for profiling; never part of the result): the refinement adjoints
     * (exact 6x6 Hessian and solve per refined hypothesis), the score path into the points (direct, and the
     * per-hypothesis dE/dh partials), the refinement path into the points, the minimal-set path (P3P VJPs). */
    double seconds_refine_adjoint;
    double seconds_score_path;
    double seconds_refine_path;
    double seconds_solver_path;
    int64_t score_path_skipped; /* hypotheses whose score path was skipped by options->score_path_cutoff */
} dsac_backward_report;

/* The backward pass of the expected loss: ADDS dE/dY to coordinate_gradient (float32, N x 3, row i = point i,
 * interleaved X, Y, Z) as vector-Jacobian products; nothing per hypothesis is materialised beyond 6-vectors.
 *
 * Per hypothesis j (hypothesis_count M):
 *   hypotheses[j]       the unrefined pose h_j (from its minimal set)
 *   sets                M x 4 indices (the set h_j was solved from); NULL: hypotheses are constants (no solver path)
 *   score_gradient[j]   dE/ds_j = p_j (l_j - E); 0 for invalid hypotheses (they are then skipped entirely)
 *   pose_gradient       M x 6 (may be NULL): extra dE/dh_j sent down the minimal-set path (the loss of a hypothesis
 *                       that was not refined, p_j dl/dh_j; a learned score's dE/ds_j ds_j/dh_j)
 *   refined, refined_flags[j] = 1, inlier_masks (M x N, the final set of each refinement), refined_gradient
 *                       (M x 6, p_j dl/dh°_j): the refinement path. refined/inlier_masks/refined_gradient may be
 *                       NULL when no flag is set.
 * Paths (Brachmann & Rother, "Learning less is more", CVPR 2018 and DSAC*, TPAMI 2021 name them):
 *   score, direct:      dE/dY_i += sum_j dE/ds_j ds_j/de_ij de_ij/dY_i, ds/de = -alpha/N beta sig (1 - sig); zero at
 *                       the clamp, behind the camera, and for the three solving points of h_j (their error is
 *                       identically 0 on the solver's branch: direct and indirect parts cancel exactly);
 *   score, indirect:    g_j = sum_i dE/ds_j ds_j/de_ij de_ij/dh_j (+ pose_gradient_j) pulled back through the P3P
 *                       implicit-function derivative (dsac_p3p_jacobian) into the set's first three points;
 *   refinement:         the refined pose h° solves sum_{i in I} J_i^T r_i = 0 on its final inlier set I; by the
 *                       implicit function theorem dh°/dY_i = -H^-1 d(J_i^T r_i)/dY_i with the EXACT Hessian
 *                       H = sum_i (J_i^T J_i + sum_c r_ic d2 r_ic / dh2) (second derivatives of the projection and of
 *                       the exponential map), not the Gauss-Newton J^T J: exact also for non-zero residuals;
 *   score parameters:   score_parameter_gradient (may be NULL) gets dE/dalpha, dE/dbeta, dE/dtau (overwritten).
 * flags (may be NULL) gets DSAC_BACKWARD_* per hypothesis; a degenerate path is skipped and counted in the report.
 * A non-finite value anywhere in the result: DSAC_ERROR_DEGENERATE, nothing written, report->nonfinite_point set.
 * Deterministic: fixed point blocks, fixed reduction order; the same bits on any thread count. */
dsac_status dsac_expected_loss_backward(const dsac_correspondences *correspondences,
                                        const dsac_intrinsics *intrinsics, const dsac_pose *hypotheses,
                                        int64_t hypothesis_count, const int32_t *sets, const double *score_gradient,
                                        const double *pose_gradient, const dsac_pose *refined,
                                        const uint8_t *refined_flags, const uint8_t *inlier_masks,
                                        const double *refined_gradient, const dsac_backward_options *options,
                                        int32_t threads, float *coordinate_gradient,
                                        double *score_parameter_gradient, uint8_t *flags,
                                        dsac_backward_report *report);

/* ---------------------------------------------------------------------------------------------------------
 * Network kernels (used by DSACTraining): convolution, upsampling, ReLU; float32, one image, planar CHW
 * ------------------------------------------------------------------------------------------------------- */

/* A 2D convolution (cross-correlation): weights are out_channels x in_channels x kernel x kernel (OIHW),
 *   out[o, y, x] = bias[o] + sum_{c,u,v} W[o, c, u, v] * in[c, stride*y - padding + dilation*u,
 *                                                            stride*x - padding + dilation*v]   (zero outside);
 *   out size = (in + 2 padding - dilation (kernel - 1) - 1) / stride + 1 (floor), per axis.
 * A 1x1 convolution over a [C x B] matrix of B feature vectors is the case in_height = 1, in_width = B. */
typedef struct {
    int32_t in_channels, out_channels; /* >= 1 */
    int32_t kernel;                    /* >= 1, square */
    int32_t stride;                    /* >= 1 */
    int32_t padding;                   /* >= 0, zeros on every side */
    int32_t dilation;                  /* >= 1 */
} dsac_conv_shape;

/* Output height or width of a convolution for an input extent; 0 when the input is too small. */
int64_t dsac_conv_output_size(const dsac_conv_shape *shape, int64_t in_extent);

/* Forward: output (out_channels x out_h x out_w) = conv(input (in_channels x in_height x in_width)) + bias
 * (bias may be NULL), then max(0, .) when relu = 1. im2col + a register-blocked, multi-versioned GEMM.
 * DSAC_ERROR_INVALID_SIZE for a bad shape or an empty output. Same bits on any thread count. */
dsac_status dsac_conv2d_forward(const dsac_conv_shape *shape, int64_t in_height, int64_t in_width,
                                const float *input, const float *weight, const float *bias, int32_t relu,
                                int32_t threads, float *output);

/* Backward of the convolution without activation (apply dsac_relu_backward to the output gradient first):
 *   input_gradient   (may be NULL) OVERWRITTEN with dL/dinput,
 *   weight_gradient  (may be NULL) dL/dW ADDED (out x in x k x k),
 *   bias_gradient    (may be NULL) dL/dbias ADDED (out_channels).
 * output_gradient is dL/doutput (out_channels x out_h x out_w). Same bits on any thread count. */
dsac_status dsac_conv2d_backward(const dsac_conv_shape *shape, int64_t in_height, int64_t in_width,
                                 const float *input, const float *weight, const float *output_gradient,
                                 int32_t threads, float *input_gradient, float *weight_gradient,
                                 float *bias_gradient);

/* ReLU backward in place: gradient[i] = output[i] > 0 ? gradient[i] : 0 (output: the ReLU's output). */
dsac_status dsac_relu_backward(int64_t count, const float *output, float *gradient);

/* Nearest-neighbour upsampling by an integer factor to a given size:
 * out[c, y, x] = in[c, min(y / factor, in_h - 1), min(x / factor, in_w - 1)]. Backward OVERWRITES
 * input_gradient with the sum of the output gradient over each input cell's copies. */
dsac_status dsac_upsample_nearest_forward(int64_t channels, int64_t in_height, int64_t in_width, int32_t factor,
                                          int64_t out_height, int64_t out_width, const float *input,
                                          int32_t threads, float *output);
dsac_status dsac_upsample_nearest_backward(int64_t channels, int64_t in_height, int64_t in_width, int32_t factor,
                                           int64_t out_height, int64_t out_width, const float *output_gradient,
                                           int32_t threads, float *input_gradient);

/* C[M x N] = A[M x K] * B[K x N] (transpose_b = 0) or A[M x K] * B[N x K]^T (transpose_b = 1), row-major and
 * dense; accumulate = 1 adds to C. The products the layers use, exposed for tests and benchmarks. */
dsac_status dsac_gemm(int64_t m, int64_t n, int64_t k, const float *a, const float *b, int32_t transpose_b,
                      int32_t accumulate, int32_t threads, float *c);

/* ---------------------------------------------------------------------------------------------------------
 * Scene-memory kernels (used by DSACTraining's memory head): nearest neighbours by inner product among unit
 * vectors, row-major float32. Every (query, list) answer is computed by one thread in a fixed order, ties go to the
 * lower index: the same bits on any thread count. Non-finite input is DSAC_ERROR_DEGENERATE.
 * ------------------------------------------------------------------------------------------------------- */

/* For each of n points (n x d) the centroid (k x d) with the largest inner product, and that product. */
dsac_status dsac_nearest_centroid(int64_t n, int64_t k, int64_t d, const float *points, const float *centroids,
                                  int32_t threads, int32_t *index, float *similarity);

/* Inverted-file search. keys (m x d, m = offsets[lists] >= 1) are stored list by list: list l holds rows
 * offsets[l] ..< offsets[l + 1] (non-decreasing, offsets[0] = 0). Each of the q queries visits the nprobe non-empty
 * lists whose centroids (lists x d) score highest and gets the key row with the largest inner product. */
dsac_status dsac_ivf_search(int64_t q, int64_t lists, int64_t d, const float *queries, const float *centroids,
                            const int64_t *offsets, const float *keys, int32_t nprobe, int32_t threads,
                            int64_t *index, float *similarity);

/* Eigen-decomposition of a symmetric n x n matrix (row-major, float64; only the lower triangle is read):
 * eigenvalues in DECREASING order, eigenvectors as the COLUMNS of the row-major n x n output, each of unit length
 * with its largest-magnitude component positive (a sign convention, so results are reproducible). */
dsac_status dsac_symmetric_eigen(int64_t n, const double *matrix, double *eigenvalues, double *eigenvectors);

/* ---------------------------------------------------------------------------------------------------------
 * Data kernels (used by DSACData: synthetic rendering)
 * ------------------------------------------------------------------------------------------------------- */

/* Procedural textures (patterns over a face's 2D coordinates in metres). */
enum {
    DSAC_TEXTURE_PLAIN = 0,   /* color_a */
    DSAC_TEXTURE_CHECKER = 1, /* squares of side scale */
    DSAC_TEXTURE_STRIPES = 2, /* stripes of period scale, slightly wavy */
    DSAC_TEXTURE_NOISE = 3,   /* value-noise blotches (3 octaves), cells of size scale */
    DSAC_TEXTURE_DOTS = 4,    /* one disc per cell, random radius and colour */
    DSAC_TEXTURE_BRICKS = 5,  /* bricks scale x scale/2 with per-brick tint, mortar color_b */
    DSAC_TEXTURE_TILES = 6,   /* square tiles, each its own random colour, dark grout */
    DSAC_TEXTURE_RINGS = 7    /* wood-like noisy rings */
};

typedef struct {
    int32_t pattern;   /* DSAC_TEXTURE_* (unknown values render plain) */
    uint32_t seed;     /* varies noise and per-cell colours */
    float color_a[3];  /* RGB in [0, 1] */
    float color_b[3];
    float scale;       /* pattern period, metres, > 0 */
    float angle;       /* pattern rotation in the face plane, radians */
    float variation;   /* amplitude of a low-frequency (~2 m) brightness variation, [0, 1] */
    float detail;      /* amplitude of fine, non-repeating detail (brightness and colour, periods 0.5 m to 3 cm),
                          different on every face, [0, 1]; 0: none */
} dsac_render_material;

typedef struct {
    double center[3];    /* world, metres */
    double half_size[3]; /* half extents along the box's own x, y, z, metres, > 0 */
    double yaw;          /* rotation of the box about world z, radians */
    int32_t material[6]; /* material index per face: -x, +x, -y, +y, -z, +z (box frame) */
    int32_t inside;      /* 1: a room shell seen from inside (the exit face is hit); 0: a solid box */
} dsac_render_box;

typedef struct {
    double position[3];  /* world, metres */
    float intensity[3];  /* per channel */
    float falloff;       /* irradiance scale 1 / (1 + falloff d^2), d in metres, >= 0 */
} dsac_render_light;

typedef struct {
    const dsac_render_box *boxes;
    int32_t box_count;
    const dsac_render_material *materials;
    int32_t material_count;
    const dsac_render_light *lights;
    int32_t light_count;
    float ambient[3];
} dsac_render_scene;

typedef struct {
    int32_t width, height; /* pixels, >= 1 */
    float exposure;        /* colour gain, >= 0 */
    float noise_sigma;     /* standard deviation of additive Gaussian colour noise, [0, 1] units; 0: none */
    uint64_t noise_seed;   /* noise is a hash of (seed, pixel, channel): the same on any thread count */
} dsac_render_options;

/* Ray-casts one frame of a box scene (room shells seen from inside, solid boxes yawed about world z), pinhole camera
 * cam_from_world, one ray through each pixel centre. Writes (each may be NULL):
 *   rgb[H*W*3]   Lambertian shading of the procedural albedo under the point lights (no shadows), times exposure,
 *                plus noise, clamped to [0, 1];
 *   depth[H*W]   z of the hit in the camera frame (metres along the optical axis), 0 where no surface is hit;
 *   surface[H*W] box * 6 + face of the hit (face as in dsac_render_box.material), -1 where none.
 * A pixel's depth back-projected with K and moved by the pose lies on the face `surface` names (float64 geometry,
 * depth rounded to float32). OpenMP over 16x16 tiles. DSAC_ERROR_INVALID_OPTIONS for a bad scene or options. */
dsac_status dsac_render_frame(const dsac_render_scene *scene, const dsac_intrinsics *intrinsics,
                              const dsac_pose *cam_from_world, const dsac_render_options *options, int32_t threads,
                              float *rgb, float *depth, int32_t *surface);

#ifdef __cplusplus
}
#endif

#endif /* DSAC_CKERNELS_H */
