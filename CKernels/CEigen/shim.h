/* Eigen is header-only and C++: this module only carries pkg-config's include path to CKernels. */
