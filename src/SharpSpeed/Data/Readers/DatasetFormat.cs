namespace SharpSpeed.Data.Readers;

/// <summary>The data file formats SharpSpeed reads.</summary>
public enum DatasetFormat
{
    OasstTrees,
    OasstMessages,
    OasstParquet,
    ChatJsonl,
    PromptCompletionJsonl,
    TextJsonl,
}
