using System.Collections.Concurrent;

namespace SharpSpeed.Comm.Mpi;

/// <summary>
/// Runs a process group's MPI calls one after another, in the order they were submitted (the design of PyTorch's
/// ProcessGroupMPI). Collectives must be issued in the same order on every rank; funnelling them through one FIFO
/// keeps that order whatever threads the caller uses, and asynchronous collectives run on the queue's own thread
/// so they overlap with the caller's computation (a gradient bucket is reduced while backward goes on). A blocking
/// collective submitted while nothing is queued runs on the caller's thread: no hand-over to wait for.
/// </summary>
internal sealed class CommQueue : IDisposable
{
    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _pending = new();
    private readonly Lock _running = new();
    private readonly Thread _thread;
    private readonly Action _onExit;
    private int _unfinished;
    private bool _abandoned;

    /// <param name="onStart">Runs first on the thread (MPI_Init_thread); its failure fails the constructor.</param>
    /// <param name="onExit">Runs last on the thread, after every queued item (MPI_Finalize), unless the queue was abandoned.</param>
    public CommQueue(string name, Action onStart, Action onExit)
    {
        _onExit = onExit;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(onStart, started)) { IsBackground = true, Name = name };
        _thread.Start();
        started.Task.GetAwaiter().GetResult();
    }

    public Task Submit(Action work, bool runHereWhenIdle)
    {
        if (runHereWhenIdle)
        {
            lock (_running)
            {
                // Nothing queued or running (the queue's thread holds the lock while it runs an item): running now
                // keeps the order of submission.
                if (Volatile.Read(ref _unfinished) == 0)
                {
                    ObjectDisposedException.ThrowIf(_pending.IsAddingCompleted, this);
                    work();
                    return Task.CompletedTask;
                }
            }
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _unfinished);
        try
        {
            _pending.Add((work, done));
        }
        catch (InvalidOperationException)
        {
            Interlocked.Decrement(ref _unfinished);
            throw new ObjectDisposedException(nameof(CommQueue), "the process group was disposed");
        }
        return done.Task;
    }

    public void Dispose()
    {
        _pending.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _pending.Dispose();
    }

    /// <summary>
    /// Stops taking work without waiting for the thread and without <c>onExit</c>: the thread may be blocked in a
    /// collective that failed peers never join, and MPI_Finalize would wait for them. The thread is a background
    /// thread, so the process can still exit.
    /// </summary>
    public void Abandon()
    {
        Volatile.Write(ref _abandoned, true);
        _pending.CompleteAdding();
    }

    private void Run(Action onStart, TaskCompletionSource started)
    {
        try
        {
            onStart();
        }
#pragma warning disable CA1031 // failures are handed to the waiting caller, which rethrows them
        catch (Exception error)
        {
            started.SetException(error);
            return;
        }
        started.SetResult();
        foreach (var (work, done) in _pending.GetConsumingEnumerable())
        {
            Exception? failure = null;
            lock (_running)
            {
                try
                {
                    work();
                }
                catch (Exception error)
                {
                    failure = error;
                }
                Interlocked.Decrement(ref _unfinished);
            }
            if (failure is null)
            {
                done.SetResult();
            }
            else
            {
                done.SetException(failure);
            }
        }
#pragma warning restore CA1031
        if (!Volatile.Read(ref _abandoned))
        {
            _onExit();
        }
    }
}
