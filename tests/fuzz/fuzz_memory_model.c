/*
 * libFuzzer: random region-tree edit sequences from the input bytes, checked
 * against the brute-force oracle of tests/unit/mem_model.h after every
 * commit, with reads and writes between the edits -- inside open
 * transactions too -- checked byte by byte against the tree in force.  A
 * disagreement aborts (a crash for libFuzzer).  Seeds: corpus/memory_model.
 */
#include <stdlib.h>

#include "tests/unit/mem_model.h"
#include "hv/lib/host/platform_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct model m;
    struct model_src src = { .data = data, .len = size };

    plat_host_set_verbosity(-1);
    model_init(&m, &src);
    if (!model_run(&m, &src, 200) || !model_teardown(&m)) {
        fprintf(stderr, "model disagreement: %s\n", m.why);
        abort();
    }
    return 0;
}
