namespace Zhuque.Interpose.Image;

/// <summary>
/// The C spelling of a mirrored type, constant or enum member, so the layout
/// test can ask the C compiler about exactly the same name. Struct fields
/// need no attribute: their C name is the snake_case of the C# name. A
/// struct of LayoutKind.Explicit stands for a C union.
/// </summary>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Field | AttributeTargets.Enum)]
public sealed class CNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
