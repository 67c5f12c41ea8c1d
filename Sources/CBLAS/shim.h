// OpenBLAS's CBLAS interface (Debian libopenblas-dev; pkg-config "openblas" points at the
// pthread variant's headers). It also declares openblas_set_num_threads.
#include <cblas.h>
