/*-------------------------------------------------------------------------
 *
 * retry.c
 *	  Subtransactions and lock waits, for every part of migrator that tries
 *	  something it may have to try again.
 *
 *	  migrator_subxact_try() runs a piece of work in a subtransaction and
 *	  rolls it back whole on an error, which the caller may drop or raise.
 *	  migrator_retry_on_lock() repeats such a try while it fails for want
 *	  of a lock (migrator.lock_timeout, or as a deadlock's victim), after an
 *	  exponential backoff with jitter, up to migrator.lock_retries times:
 *	  apply()'s run, migrate()'s migrations, each DDL statement of a change
 *	  and the locked attempts of contract and abort (locking.c) all retry so.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "migrator.h"

int			migrator_lock_timeout = 500;	/* ms */
int			migrator_lock_retries = 10;

/*
 * fn(arg) in a subtransaction, kept (released) when it succeeds if keep,
 * rolled back otherwise; see migrator_subxact_try() for on_error.
 */
static bool
subxact_run(MigratorWork fn, void *arg, MigratorOnError on_error, bool keep)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool done = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		fn(arg);
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		if (on_error == NULL || !on_error(edata, arg))
		{
			MemoryContextSwitchTo(oldcontext);
			ReThrowError(edata);
		}
		FreeErrorData(edata);
		done = false;
	}
	PG_END_TRY();
	return done;
}

/*
 * Run fn(arg) in a subtransaction; true when it succeeded.  On an error
 * the subtransaction is rolled back, and on_error(edata, arg), called in
 * the caller's memory context, says what becomes of the error: true drops
 * it (the try returns false, for the caller to try again), false raises
 * it.  Without on_error every error is raised once rolled back.
 */
bool
migrator_subxact_try(MigratorWork fn, void *arg, MigratorOnError on_error)
{
	return subxact_run(fn, arg, on_error, true);
}

/*
 * Run fn(arg) in a subtransaction that is rolled back whatever happens (a
 * check that must leave nothing behind, as a Sqitch verify script); its
 * error, if any, is raised once rolled back.
 */
void
migrator_subxact_discard(MigratorWork fn, void *arg)
{
	(void) subxact_run(fn, arg, NULL, false);
}

/* an on_error for migrator_subxact_try(): drop a lock timeout or a deadlock */
bool
migrator_lock_failed(ErrorData *edata, void *arg)
{
	return edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED;
}

static void lock_backoff(int attempt, const char *what);

/* one retried piece of work, and the lock errors it is tried again after */
typedef struct Retry
{
	MigratorWork fn;
	void	   *arg;
	bool		deadlocks;		/* a deadlock's victim too, not only a timeout */
	bool		last;			/* the last attempt: raise whatever it meets */
} Retry;

static void
retry_work(void *arg)
{
	Retry	   *r = arg;

	r->fn(r->arg);
}

static bool
retry_on_error(ErrorData *edata, void *arg)
{
	Retry	   *r = arg;

	if (r->last)
		return false;
	if (r->deadlocks)
		return migrator_lock_failed(edata, NULL);
	return edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE;
}

static void
retry(MigratorWork fn, void *arg, const char *what, bool deadlocks)
{
	Retry		r;

	r.fn = fn;
	r.arg = arg;
	r.deadlocks = deadlocks;
	for (int attempt = 0;; attempt++)
	{
		r.last = attempt >= migrator_lock_retries;
		if (migrator_subxact_try(retry_work, &r, retry_on_error))
			return;
		lock_backoff(attempt, what);
	}
}

/*
 * Run fn(arg), each attempt in a subtransaction.  When an attempt is not
 * granted a lock in time (lock_timeout) or is chosen as a deadlock's
 * victim, it is rolled back whole -- no lock it took is held while it
 * waits -- and tried again after a backoff (lock_backoff()), up to
 * migrator.lock_retries times; then, as any other error at once, the error
 * is raised.  what names the work in the retry NOTICEs (NULL: nothing); it
 * is read after each failed attempt, so the work may write into it.
 */
void
migrator_retry_on_lock(MigratorWork fn, void *arg, const char *what)
{
	retry(fn, arg, what, true);
}

/*
 * The same, retrying a lock timeout only: migrate()'s migrations, whose
 * deadlock is raised at once.
 */
void
migrator_retry_on_lock_timeout(MigratorWork fn, void *arg, const char *what)
{
	retry(fn, arg, what, false);
}

/*
 * After a lock timeout: wait an exponential backoff with jitter before
 * attempt + 1, lock_timeout * 2^attempt * [0.5, 1.5), at most 10 s.  The
 * wait lasts what it announces: a timer left over from the failed lock wait
 * (deadlock_timeout) sets the latch but does not end it; a cancel or a
 * termination does.
 */
static void
lock_backoff(int attempt, const char *what)
{
	double		backoff = migrator_lock_timeout * pow(2.0, Min(attempt, 30)) *
		(0.5 + pg_prng_double(&pg_global_prng_state));
	long		sleep_ms = (long) Min(backoff, MIGRATOR_BACKOFF_MAX_MS);
	TimestampTz end;

	ereport(NOTICE,
			(errmsg("lock not available%s%s, retrying in %ld ms (attempt %d of %d)",
					what ? " for " : "", what ? what : "",
					sleep_ms, attempt + 1, migrator_lock_retries)));
	end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), sleep_ms);
	for (;;)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);

		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}
