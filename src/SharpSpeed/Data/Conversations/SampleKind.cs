namespace SharpSpeed.Data.Conversations;

/// <summary>How a sample becomes tokens and labels.</summary>
public enum SampleKind
{
    /// <summary>Turns rendered through a chat template; assistant turns are the labels by default.</summary>
    Chat,

    /// <summary>A prompt followed directly by its completion (no template); the completion is the label.</summary>
    PromptCompletion,

    /// <summary>Plain text for causal language modelling; every token is a label.</summary>
    Text,
}
