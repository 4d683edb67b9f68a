/*-------------------------------------------------------------------------
 *
 * prune.c
 *	  Giving back the space of the row versions a backfill batch replaced.
 *
 *	  A backfill batch rewrites every row it touches.  The new version goes
 *	  on the same page when there is room (a HOT update), else wherever the
 *	  free space map points, else at the end of the table.  On a table whose
 *	  pages are full, as after a bulk load, there is never room, and without
 *	  help the backfill would double the table: every new version appended,
 *	  every old one left dead until the next VACUUM.  The application then
 *	  reads twice the pages it did (an index lookup of a backfilled row meets
 *	  the dead old version first), and a table that fitted in shared_buffers
 *	  no longer does.
 *
 *	  So the backfill cleans up behind itself, as VACUUM would: the heap
 *	  blocks each batch found its rows in are noted, and before the next
 *	  batch (once the batch that replaced them has committed) each block is
 *	  pruned with heap_page_prune_opt(), the opportunistic pruning every
 *	  heap read does, and its free space is recorded in the free space map.
 *	  The next batch's new row versions then fill the space the previous
 *	  batch's old ones held, and the table stays at about its size.  Nothing
 *	  is pruned that a running snapshot can still see (the same rule as
 *	  everywhere pruning happens); line pointers stay until VACUUM.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/relation.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class_d.h"
#include "lib/qunique.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "change.h"

/* the blocks noted since the last prune, of one table */
static MemoryContext prune_cxt = NULL;
static Oid	prune_relid = InvalidOid;
static BlockNumber *prune_blocks = NULL;
static int	prune_count = 0;
static int	prune_size = 0;

/* forget what was noted */
void
migrator_prune_reset(void)
{
	if (prune_cxt == NULL)
		prune_cxt = AllocSetContextCreate(TopMemoryContext, "migrator backfill prune",
										  ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(prune_cxt);
	prune_relid = InvalidOid;
	prune_blocks = NULL;
	prune_count = 0;
	prune_size = 0;
}

/*
 * Note a block of table relid whose rows the current batch replaces.
 * Consecutive notes of one block count once; the blocks of one table are
 * kept at a time (a note for another table forgets the earlier ones).
 */
void
migrator_prune_note(Oid relid, BlockNumber block)
{
	if (prune_cxt == NULL || relid != prune_relid)
	{
		migrator_prune_reset();
		prune_relid = relid;
	}
	if (prune_count > 0 && prune_blocks[prune_count - 1] == block)
		return;
	if (prune_count == prune_size)
	{
		int			size = Max(prune_size * 2, 64);

		prune_blocks = prune_blocks == NULL ?
			MemoryContextAlloc(prune_cxt, sizeof(BlockNumber) * size) :
			repalloc(prune_blocks, sizeof(BlockNumber) * size);
		prune_size = size;
	}
	prune_blocks[prune_count++] = block;
}

static int
block_cmp(const void *a, const void *b)
{
	BlockNumber x = *(const BlockNumber *) a;
	BlockNumber y = *(const BlockNumber *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* prune one block and record its free space */
static void
prune_block(Relation rel, BlockNumber block)
{
	Buffer		buf = ReadBufferExtended(rel, MAIN_FORKNUM, block, RBM_NORMAL, NULL);
	Size		free_space;

	heap_page_prune_opt(rel, buf);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	free_space = PageGetHeapFreeSpace(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	RecordPageWithFreeSpace(rel, block, free_space);
}

/*
 * Prune the blocks noted since the last call, in the current transaction:
 * call it after the batch that noted them has committed.  Forgets them.
 */
void
migrator_prune_noted(void)
{
	Relation	rel;

	if (prune_count == 0)
		return;

	/*
	 * Pruning asks the backend's cached view of which transactions every
	 * snapshot sees as ended; a snapshot taken now brings it up to date.  At
	 * the start of a transaction it still predates the batch's commit, and
	 * nothing the batch replaced would count as dead.
	 */
	(void) GetLatestSnapshot();
	rel = try_relation_open(prune_relid, AccessShareLock);
	if (rel != NULL && rel->rd_rel->relkind == RELKIND_RELATION &&
		rel->rd_rel->relam == HEAP_TABLE_AM_OID)
	{
		BlockNumber nblocks = RelationGetNumberOfBlocks(rel);
		int			n;

		qsort(prune_blocks, prune_count, sizeof(BlockNumber), block_cmp);
		n = (int) qunique(prune_blocks, prune_count, sizeof(BlockNumber), block_cmp);
		/* sorted: the blocks gone since (a truncated table) come last */
		while (n > 0 && prune_blocks[n - 1] >= nblocks)
			n--;
		for (int i = 0; i < n; i++)
			prune_block(rel, prune_blocks[i]);
		/* the upper levels of the map, so that the next search finds them */
		if (n > 0)
			FreeSpaceMapVacuumRange(rel, prune_blocks[0], prune_blocks[n - 1] + 1);
	}
	if (rel != NULL)
		relation_close(rel, AccessShareLock);
	migrator_prune_reset();
}
