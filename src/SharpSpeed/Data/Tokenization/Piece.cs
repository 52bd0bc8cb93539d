namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// A stretch of text on its way to the model. <see cref="AtStart"/> says it begins at the very start of the
/// encoded text, which Metaspace's "first" prepend scheme needs.
/// </summary>
internal readonly record struct Piece(string Text, bool AtStart);
