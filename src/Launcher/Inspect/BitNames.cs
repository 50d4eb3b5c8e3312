using System.Globalization;

namespace Zhuque.Launcher.Inspect;

/// <summary>Names the set bits of a flag word from a table, as strace does: "A|B|0x40" for an unnamed bit, "0" when none is set.</summary>
public static class BitNames
{
    public static string Format(ulong value, IReadOnlyList<(ulong Bit, string Name)> table)
    {
        var names = new List<string>();
        foreach (var (bit, name) in table)
        {
            if ((value & bit) == bit && bit != 0)
            {
                names.Add(name);
                value &= ~bit;
            }
        }
        if (value != 0)
            names.Add(string.Create(CultureInfo.InvariantCulture, $"0x{value:x}"));
        return names.Count == 0 ? "0" : string.Join('|', names);
    }
}
