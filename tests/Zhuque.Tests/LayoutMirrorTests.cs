using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// src/Interpose/Image/Layout.cs against native/include/zhuque/image.h, as
/// gcc sees it. The C probe is generated from the C# mirror (every field of
/// every struct, every constant, every enum member), so a C# field that C
/// lacks fails to compile; sizeof of each struct catches a field C has and
/// C# lacks; scanning the header catches a constant or enum member C# lacks.
/// </summary>
public sealed partial class LayoutMirrorTests
{
    static readonly Type[] Structs = [typeof(ZqRegion), typeof(ZqThread), typeof(ZqFd), typeof(ZqEpollItem), typeof(ZqSockopt), typeof(ZqMapFile), typeof(ZqHeader)];
    static readonly Type[] Enums = [typeof(ZqState), typeof(ZqLost), typeof(ZqFile), typeof(ZqThreadState), typeof(ZqFdKind)];

    [Fact]
    public void EveryStructFieldOffsetSizeAndSignednessMatchesC()
    {
        var mismatches = LayoutComparer.Compare(Structs, Repo.IncludeDir, "zhuque/image.h");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void EveryConstantAndEnumMemberMatchesC()
    {
        var probe = new StringBuilder("#include <stdio.h>\n#include <zhuque/image.h>\nint main(void)\n{\n");
        var expected = new Dictionary<string, string>();
        foreach (var (cname, value) in Constants())
        {
            probe.AppendLine($"\tprintf(\"{cname} %llu\\n\", (unsigned long long)({cname}));");
            expected[cname] = value;
        }
        foreach (var e in Enums)
            probe.AppendLine($"\tprintf(\"sizeof_enum_{CName(e)} %zu\\n\", sizeof(enum {CName(e)}));");
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString(), Repo.IncludeDir);

        var mismatches = expected.Where(p => actual[p.Key] != p.Value)
            .Select(p => $"{p.Key}: C {actual[p.Key]}, C# {p.Value}")
            .Concat(Enums.Where(e => actual[$"sizeof_enum_{CName(e)}"] != Marshal.SizeOf(Enum.GetUnderlyingType(e)).ToString())
                .Select(e => $"enum {CName(e)}: C size {actual[$"sizeof_enum_{CName(e)}"]}, C# {Marshal.SizeOf(Enum.GetUnderlyingType(e))}"))
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void EveryConstantAndEnumMemberOfTheHeaderIsMirrored()
    {
        var header = File.ReadAllText(Repo.ImageHeader);
        var mirrored = Constants().Select(c => c.CName).ToHashSet();
        var inC = DefineRegex().Matches(header).Select(m => m.Groups[1].Value)
            .Concat(EnumMemberRegex().Matches(header).Select(m => m.Groups[1].Value))
            .Where(n => n != "ZHUQUE_IMAGE_H")
            .ToList();
        Assert.NotEmpty(inC);
        var missing = inC.Where(n => !mirrored.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"in image.h but not in Layout.cs: {string.Join(", ", missing)}");
        var structs = StructRegex().Matches(header).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(structs.Order(), Structs.Select(CName).Order());
    }

    /// <summary>The comparison must be able to fail: a mirror missing its last field is caught.</summary>
    [Fact]
    public void AMirrorWithAMissingFieldIsCaught()
    {
        var mismatches = LayoutComparer.Compare([typeof(RegionWithoutFile)], Repo.IncludeDir, "zhuque/image.h");
        Assert.Contains(mismatches, m => m.StartsWith("covered.zq_region"));
    }

    /// <summary>And a field of the wrong signedness, though its size and offset agree.</summary>
    [Fact]
    public void AMirrorWithAWrongSignednessIsCaught()
    {
        var mismatches = LayoutComparer.Compare([typeof(RegionWithSignedProt)], Repo.IncludeDir, "zhuque/image.h");
        Assert.Contains(mismatches, m => m.Contains("prot") && m.Contains("signed"));
    }

    [CName("zq_region")]
    [StructLayout(LayoutKind.Sequential)]
    struct RegionWithoutFile
    {
        public ulong Start;
        public ulong End;
        public ulong Offset;
        public uint Prot;
    }

    [CName("zq_region")]
    [StructLayout(LayoutKind.Sequential)]
    struct RegionWithSignedProt
    {
        public ulong Start;
        public ulong End;
        public ulong Offset;
        public int Prot;
        public uint File;
    }

    static IEnumerable<(string CName, string Value)> Constants()
    {
        foreach (var f in typeof(Layout).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            yield return (f.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"Layout.{f.Name} has no [CName]"),
                Convert.ToUInt64(f.GetRawConstantValue()).ToString());
        foreach (var e in Enums)
        {
            foreach (var f in e.GetFields(BindingFlags.Public | BindingFlags.Static))
                yield return (f.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"{e.Name}.{f.Name} has no [CName]"),
                    Convert.ToUInt64(f.GetRawConstantValue()).ToString());
        }
    }

    static string CName(Type t) => t.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"{t.Name} has no [CName]");

    [GeneratedRegex(@"^#define\s+(\w+)\s+\S", RegexOptions.Multiline)]
    private static partial Regex DefineRegex();

    [GeneratedRegex(@"^\s*(ZQ_\w+)\s*=", RegexOptions.Multiline)]
    private static partial Regex EnumMemberRegex();

    [GeneratedRegex(@"^struct\s+(\w+)\s*\{", RegexOptions.Multiline)]
    private static partial Regex StructRegex();
}

/// <summary>Generates the offsetof/sizeof probe for mirror structs and compares the answers.</summary>
public static partial class LayoutComparer
{
    public static List<string> Compare(IEnumerable<Type> structs, string includeDir, string header)
    {
        var probe = new StringBuilder($"#include <stddef.h>\n#include <stdio.h>\n#include <{header}>\n");
        probe.AppendLine("#define SIGNED(T, f) ((__typeof__(((T *)0)->f))-1 < 0)");
        probe.AppendLine("int main(void)\n{");
        var expected = new Dictionary<string, string>();
        var coverage = new List<string>();
        foreach (var t in structs)
        {
            var c = t.GetCustomAttribute<CNameAttribute>()?.Name ?? throw new InvalidOperationException($"{t.Name} has no [CName]");
            probe.AppendLine($"\tprintf(\"sizeof.{c} %zu\\n\", sizeof(struct {c}));");
            expected[$"sizeof.{c}"] = Marshal.SizeOf(t).ToString();
            var fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            // A field C has and C# lacks can hide in the tail padding of the C#
            // struct, so also require the C# fields to cover every byte of the
            // C struct (image.h has explicit padding only).
            probe.AppendLine($"\tprintf(\"covered.{c} %zu\\n\", (size_t)0" +
                string.Concat(fields.Select(f => $" + sizeof(((struct {c} *)0)->{SnakeCase(f.Name)})")) + ");");
            coverage.Add(c);
            foreach (var f in fields)
            {
                var field = SnakeCase(f.Name);
                var key = $"{c}.{field}";
                // A fixed buffer mirrors a C array: its signedness is its element's.
                var array = f.GetCustomAttribute<FixedBufferAttribute>();
                var element = array is null ? field : field + "[0]";
                probe.AppendLine($"\tprintf(\"offsetof.{key} %zu\\n\", offsetof(struct {c}, {field}));");
                probe.AppendLine($"\tprintf(\"size.{key} %zu\\n\", sizeof(((struct {c} *)0)->{field}));");
                probe.AppendLine($"\tprintf(\"signed.{key} %d\\n\", SIGNED(struct {c}, {element}));");
                expected[$"offsetof.{key}"] = Marshal.OffsetOf(t, f.Name).ToString();
                expected[$"size.{key}"] = (array is null ? Marshal.SizeOf(f.FieldType) : Marshal.SizeOf(array.ElementType) * array.Length).ToString();
                expected[$"signed.{key}"] = IsSigned(array?.ElementType ?? f.FieldType) ? "1" : "0";
            }
        }
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString(), includeDir);
        return [
            .. expected.Where(p => actual[p.Key] != p.Value).Select(p => $"{p.Key}: C {actual[p.Key]}, C# {p.Value}"),
            .. coverage.Where(c => actual[$"covered.{c}"] != actual[$"sizeof.{c}"])
                .Select(c => $"covered.{c}: the C# fields cover {actual[$"covered.{c}"]} of the {actual[$"sizeof.{c}"]} bytes of struct {c} (a field missing in C#?)"),
        ];
    }

    static bool IsSigned(Type t) => t == typeof(sbyte) || t == typeof(short) || t == typeof(int) || t == typeof(long);

    /// <summary>AbiVersion → abi_version: the convention by which mirror fields are named.</summary>
    public static string SnakeCase(string name) => SnakeRegex().Replace(name, "$1_$2").ToLowerInvariant();

    [GeneratedRegex("([a-z0-9])([A-Z])")]
    private static partial Regex SnakeRegex();
}
