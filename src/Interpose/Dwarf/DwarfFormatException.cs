namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Debug or unwind data (.debug_line, .debug_info, .eh_frame) that this
/// reader cannot make sense of: truncated, an unknown version or form, a
/// loop that would not end. Callers catch it and go on without that data.
/// </summary>
public sealed class DwarfFormatException(string message) : Exception(message);
