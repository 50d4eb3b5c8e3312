namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// An attribute's value as far as the readers here need it: a number
/// (constant, offset, index, address) and, for string forms whose text
/// could be found, the text. Blocks and 16-byte data are skipped (Number 0).
/// </summary>
public readonly record struct FormValue(ulong Number, string? Text);
