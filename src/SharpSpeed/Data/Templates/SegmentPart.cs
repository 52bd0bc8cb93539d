namespace SharpSpeed.Data.Templates;

/// <summary>What a template segment holds: plain text, the tokenizer's BOS or EOS, or a named special token.</summary>
public enum SegmentPart
{
    Text,
    Bos,
    Eos,

    /// <summary>A marker such as &lt;|im_start|&gt;: its id when the vocabulary has it as one token, else its text.</summary>
    Special,
}
