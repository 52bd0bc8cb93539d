namespace SharpSpeed.Comm;

/// <summary>
/// Handle of an asynchronous collective (torch.distributed's Work): <see cref="Wait"/> blocks until the
/// collective has finished and its result is in the tensor, and rethrows its failure. The tensors handed to
/// the collective must not be read or written until then.
/// </summary>
public sealed class CommWork
{
    private readonly Task _completion;
    private readonly Action? _afterCompletion;

    internal CommWork(Task completion, Action? afterCompletion = null)
    {
        _completion = completion;
        _afterCompletion = afterCompletion;
    }

    /// <summary>A handle of work that already ran synchronously.</summary>
    public static CommWork Completed { get; } = new(Task.CompletedTask);

    /// <summary>True once the collective has finished (successfully or not).</summary>
    public bool IsCompleted => _completion.IsCompleted;

    public void Wait()
    {
        _completion.GetAwaiter().GetResult();
        _afterCompletion?.Invoke();
    }
}
