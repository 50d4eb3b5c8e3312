namespace Zhuque.Interpose.Dwarf;

/// <summary>One attribute specification of an abbreviation: its name, form, and the value of DW_FORM_implicit_const.</summary>
public readonly record struct AttributeSpec(ulong Name, ulong Form, long ImplicitConst);

/// <summary>
/// Finds one abbreviation (by code) in a table of .debug_abbrev and returns
/// its attribute specifications. Walks the table from its start; bounded by
/// the section's bytes.
/// </summary>
public static class AbbreviationReader
{
    public static IReadOnlyList<AttributeSpec> Find(byte[] debugAbbrev, ulong tableOffset, ulong code)
    {
        if (tableOffset >= (ulong)debugAbbrev.Length)
            throw new DwarfFormatException($"abbreviation table at 0x{tableOffset:x} is past the end of .debug_abbrev");
        var c = new DwarfCursor(debugAbbrev, ".debug_abbrev");
        c.Seek((int)tableOffset);
        while (!c.AtEnd)
        {
            var entryCode = c.Uleb128();
            if (entryCode == 0)
                break;
            c.Uleb128(); // tag
            c.U8();      // has children
            var specs = new List<AttributeSpec>();
            while (true)
            {
                var name = c.Uleb128();
                var form = c.Uleb128();
                if (name == 0 && form == 0)
                    break;
                specs.Add(new AttributeSpec(name, form, form == DwForm.ImplicitConst ? c.Sleb128() : 0));
            }
            if (entryCode == code)
                return specs;
        }
        throw new DwarfFormatException($"abbreviation {code} is not in the table at 0x{tableOffset:x}");
    }
}
