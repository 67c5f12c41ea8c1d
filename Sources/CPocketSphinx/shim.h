#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/fe.h>
#include <sphinxbase/feat.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/ngram_model.h>
#include <sys/syscall.h>
#include <unistd.h>

/// An anonymous in-memory file (memfd_create, close-on-exec): the language models built in
/// memory reach sphinxbase's file readers as /proc/self/fd/N, never touching the disk.
static inline int CPocketSphinx_memfd(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1u);
}

/// The live cepstral-mean state of a decoder's feature computer.
static inline cmn_t *CPocketSphinx_cmn(ps_decoder_t *ps) {
    feat_t *feat = ps_get_feat(ps);
    return feat ? feat->cmn_struct : 0;
}
