namespace SharpSpeed.Data.Templates;

/// <summary>
/// A piece of a rendered conversation. <paramref name="Trainable"/> pieces are the labels (assistant content
/// and its end token); the rest is prompt, masked with -100 unless training on prompts.
/// </summary>
public sealed record TemplateSegment(SegmentPart Part, string Text, bool Trainable)
{
    public static TemplateSegment Prompt(string text) => new(SegmentPart.Text, text, false);

    public static TemplateSegment Answer(string text) => new(SegmentPart.Text, text, true);

    public static TemplateSegment Bos(bool trainable = false) => new(SegmentPart.Bos, string.Empty, trainable);

    public static TemplateSegment Eos(bool trainable) => new(SegmentPart.Eos, string.Empty, trainable);

    public static TemplateSegment Special(string token, bool trainable) => new(SegmentPart.Special, token, trainable);
}
