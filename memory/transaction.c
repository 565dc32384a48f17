/*
 * Transactions: changes to the tree accumulate; the outermost commit
 * re-renders every address space once, tells the listeners once, and puts
 * the changed regions' attributes in force (their `live` copies).
 *
 * A change made outside a transaction commits at once; if that commit
 * fails, the change is undone and the old views are put back, so the call
 * that made it can report the error and leave nothing behind.
 */
#include "memory/internal.h"

uint64_t memory_render_count(void) { return memory_state.renders; }

void memory_region_transaction_begin(void)
{
    memory_state.txn_depth++;
}

/* Renders every space, sharing one view between spaces with one root.
 * All or nothing: on failure no view is left. */
static bool render_all(AddressSpace **spaces, FlatView **views, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        views[i] = NULL;
        for (size_t j = 0; j < i; j++) {
            if (spaces[j]->root == spaces[i]->root) {
                views[i] = views[j];
                views[i]->refs++;
                break;
            }
        }
        if (!views[i] && !(views[i] = flatview_render(spaces[i]->root))) {
            while (i--)
                flatview_unref(views[i]);
            return false;
        }
    }
    return true;
}

static size_t count_spaces(void)
{
    size_t n = 0;

    for (AddressSpace *as = memory_state.spaces; as; as = as->next)
        n++;
    return n;
}

void memory_region_put_in_force(MemoryRegion *mr)
{
    mr->live.size = mr->size;
    mr->live.alias_offset = mr->alias_offset;
    mr->live.readonly = mr->readonly;
    mr->live.romd_mode = mr->romd_mode;
    mr->live.dirty_log_mask = mr->dirty_log_mask;
    memory_region_trim_dirty(mr);
}

/* The commit went through: the changed regions' attributes are in force. */
static void put_changes_in_force(void)
{
    MemoryRegion *mr = memory_state.changed, *next;

    for (; mr; mr = next) {
        next = mr->changed_next;
        memory_region_put_in_force(mr);
        mr->changed = false;
        mr->changed_next = NULL;
    }
    memory_state.changed = NULL;
}

void memory_region_forget_change(MemoryRegion *mr)
{
    MemoryRegion **pp = &memory_state.changed;

    if (!mr->changed)
        return;
    while (*pp && *pp != mr)
        pp = &(*pp)->changed_next;
    if (*pp)
        *pp = mr->changed_next;
    mr->changed = false;
    mr->changed_next = NULL;
}

/* Makes views[] the spaces' views, telling the listeners the differences
 * from olds[] (the views they had). */
static void install(AddressSpace **spaces, FlatView **views, FlatView **olds, size_t n)
{
    memory_listeners_begin();
    for (size_t i = 0; i < n; i++) {
        spaces[i]->current = views[i];
        /* Unique across all spaces and their lifetimes: a cache keyed
         * by (space, view_gen) can never match a newer view by accident. */
        spaces[i]->view_gen = ++memory_state.view_gens;
        memory_listeners_diff(spaces[i], olds[i], views[i]);
    }
}

/*
 * Re-renders and notifies.  Returns MR_OK, MR_ENOMEM (rendering failed: no
 * view changed) or a listener's error.  With undo (a change made outside a
 * transaction), any failure calls undo(ctx) and, if the listeners had been
 * told, puts the old views back and tells them so; without (a transaction's
 * commit), a listener's error leaves the new views in force.
 */
static int apply_changes(void (*undo)(void *ctx), void *ctx)
{
    size_t n = count_spaces(), i = 0;
    AddressSpace **spaces, *as;
    FlatView **views, **olds;
    int err;

    memory_state.topology_changed = false;
    if (!n) {
        put_changes_in_force();
        return MR_OK;
    }
    spaces = plat_alloc(n * (sizeof(*spaces) + 2 * sizeof(*views)));
    views = spaces ? (FlatView **)(spaces + n) : NULL;
    olds = spaces ? views + n : NULL;
    for (as = memory_state.spaces; spaces && as; as = as->next, i++) {
        spaces[i] = as;
        olds[i] = as->current;
    }
    if (!spaces || !render_all(spaces, views, n)) {
        plat_free(spaces);
        memory_state.topology_changed = true; /* try again next commit */
        if (undo)
            undo(ctx);
        return memory_refuse(MR_ENOMEM, "commit: rendering the flat views "
                             "(the old views stay in force)");
    }
    memory_state.renders++;
    install(spaces, views, olds, n);
    err = memory_listeners_commit();
    if (err && undo) {
        /* The tree goes back first: the listeners' second pass (coalesced
         * ranges, say) reads the regions as they were. */
        undo(ctx);
        install(spaces, olds, views, n);
        if (memory_listeners_commit())
            plat_log(LOG_ERR, "memory: a listener also failed taking back a "
                     "refused change");
        for (i = 0; i < n; i++)
            flatview_unref(views[i]);
        memory_state.topology_changed = true;
        plat_free(spaces);
        return memory_refuse(err, "commit: a listener refused the change "
                             "(undone, the old views are back in force)");
    }
    for (i = 0; i < n; i++)
        flatview_unref(olds[i]);
    plat_free(spaces);
    put_changes_in_force();
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
    return apply_changes(NULL, NULL);
}

int memory_change(MemoryRegion *mr, void (*undo)(void *ctx), void *ctx)
{
    bool was_pending = memory_state.topology_changed;
    bool queued = false;
    int err;

    if (mr && !mr->changed) {
        mr->changed = true;
        mr->changed_next = memory_state.changed;
        memory_state.changed = mr;
        queued = true;
    }
    memory_state.topology_changed = true;
    if (memory_state.txn_depth)
        return MR_OK;
    err = apply_changes(undo, ctx);
    if (err) {
        /* Undone: pending now is only what was pending before. */
        memory_state.topology_changed = was_pending;
        if (queued)
            memory_region_forget_change(mr);
    }
    return err;
}
