/*
 * Transactions: changes to the tree accumulate; the outermost commit
 * re-renders every address space once and tells the listeners once.
 */
#include "memory/internal.h"

uint64_t memory_render_count(void) { return memory_state.renders; }

void memory_region_transaction_begin(void)
{
    memory_state.txn_depth++;
}

/* Renders every space, sharing one view between spaces with one root.
 * All or nothing: on failure no space changes view. */
static bool render_all(FlatView **views, size_t n)
{
    AddressSpace *as, *prev;
    size_t i = 0, j;

    for (as = memory_state.spaces; as; as = as->next, i++) {
        views[i] = NULL;
        for (prev = memory_state.spaces, j = 0; j < i; prev = prev->next, j++) {
            if (prev->root == as->root) {
                views[i] = views[j];
                views[i]->refs++;
                break;
            }
        }
        if (!views[i] && !(views[i] = flatview_render(as->root))) {
            while (i--)
                flatview_unref(views[i]);
            return false;
        }
    }
    (void)n;
    return true;
}

static size_t count_spaces(void)
{
    size_t n = 0;

    for (AddressSpace *as = memory_state.spaces; as; as = as->next)
        n++;
    return n;
}

/* Re-renders and notifies; returns MR_OK, MR_ENOMEM or a listener error. */
static int apply_changes(void)
{
    size_t n = count_spaces(), i = 0;
    FlatView **views;
    AddressSpace *as;
    int err;

    memory_state.topology_changed = false;
    if (!n)
        return MR_OK;
    views = plat_alloc(n * sizeof(*views));
    if (!views || !render_all(views, n)) {
        plat_free(views);
        memory_state.topology_changed = true; /* try again next commit */
        return memory_refuse(MR_ENOMEM, "commit: rendering the flat views "
                             "(the old views stay in force)");
    }
    memory_state.renders++;
    memory_listeners_begin();
    for (as = memory_state.spaces; as; as = as->next, i++) {
        FlatView *old = as->current;
        as->current = views[i];
        /* Unique across all spaces and their lifetimes: a cache keyed
         * by (space, view_gen) can never match a newer view by accident. */
        as->view_gen = ++memory_state.view_gens;
        memory_listeners_diff(as, old, views[i]);
        flatview_unref(old);
    }
    plat_free(views);
    err = memory_listeners_commit();
    return err;
}

int memory_region_transaction_commit(void)
{
    if (!memory_state.txn_depth) {
        plat_log(LOG_ERR, "memory: transaction_commit without begin");
        return MR_EINVAL;
    }
    if (--memory_state.txn_depth || !memory_state.topology_changed)
        return MR_OK;
    return apply_changes();
}

void memory_touched(void)
{
    memory_state.topology_changed = true;
    if (!memory_state.txn_depth)
        apply_changes();
}
