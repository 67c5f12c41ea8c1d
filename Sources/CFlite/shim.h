#include <flite/flite.h>

/// flite's CMU lexicon with its letter-to-sound rules (libflite_cmulex; declared in a header
/// Debian does not ship).
cst_lexicon *cmu_lex_init(void);
