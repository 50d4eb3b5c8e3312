using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Zhuque.Tests.Fuzz;

/// <summary>A field of a mirrored struct: where it lies in the struct and how wide it is (1, 2, 4 or 8 bytes).</summary>
public sealed record StructField(string Name, int Offset, int Size);

/// <summary>The fields of a layout struct (Layout.cs), found by reflection; a fixed array counts as one field per element.</summary>
public static class StructFields
{
    public static StructField[] Of<T>() where T : unmanaged
    {
        var fields = new List<StructField>();
        Add(fields, typeof(T), "", 0);
        var total = Unsafe.SizeOf<T>();
        if (fields.Any(f => f.Offset + f.Size > total))
            throw new InvalidOperationException($"{typeof(T).Name}: a field runs past the struct");
        return [.. fields];
    }

    /// <summary>A nested struct or union (zq_fd's arg) gives its own fields, named Outer.Inner; a union's overlap.</summary>
    static void Add(List<StructField> fields, Type t, string prefix, int at)
    {
        foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public))
        {
            var offset = at + (int)Marshal.OffsetOf(t, f.Name);
            if (f.GetCustomAttribute<FixedBufferAttribute>() is { } array)
            {
                var size = Marshal.SizeOf(array.ElementType);
                for (var i = 0; i < array.Length; i++)
                    fields.Add(new StructField($"{prefix}{f.Name}[{i}]", offset + (i * size), size));
            }
            else if (f.FieldType is { IsValueType: true, IsPrimitive: false, IsEnum: false })
                Add(fields, f.FieldType, $"{prefix}{f.Name}.", offset);
            else
                fields.Add(new StructField($"{prefix}{f.Name}", offset, Marshal.SizeOf(f.FieldType.IsEnum ? Enum.GetUnderlyingType(f.FieldType) : f.FieldType)));
        }
    }
}
