using System.Collections.Concurrent;

namespace SharpSpeed.Comm.Mpi;

/// <summary>
/// One thread that runs a process group's MPI calls one after another, in the order they were queued (the design
/// of PyTorch's ProcessGroupMPI). Collectives must be issued in the same order on every rank; funnelling them
/// through one FIFO thread keeps that order whatever threads the caller uses, and lets asynchronous collectives
/// overlap with the caller's computation (a gradient bucket is reduced while backward goes on).
/// </summary>
internal sealed class CommQueue : IDisposable
{
    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _pending = new();
    private readonly Thread _thread;
    private readonly Action _onExit;

    /// <param name="onStart">Runs first on the thread (MPI_Init_thread); its failure fails the constructor.</param>
    /// <param name="onExit">Runs last on the thread, after every queued item (MPI_Finalize).</param>
    public CommQueue(string name, Action onStart, Action onExit)
    {
        _onExit = onExit;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(onStart, started)) { IsBackground = true, Name = name };
        _thread.Start();
        started.Task.GetAwaiter().GetResult();
    }

    public Task Enqueue(Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _pending.Add((work, done));
        }
        catch (InvalidOperationException)
        {
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

    private void Run(Action onStart, TaskCompletionSource started)
    {
        try
        {
            onStart();
        }
#pragma warning disable CA1031 // the failure is handed to the constructor, which rethrows it
        catch (Exception error)
        {
            started.SetException(error);
            return;
        }
        started.SetResult();
        foreach (var (work, done) in _pending.GetConsumingEnumerable())
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception error)
            {
                done.SetException(error);
            }
        }
#pragma warning restore CA1031
        _onExit();
    }
}
