import { describe, expect, test } from 'vitest';
import { Untranslatable } from '../../../lib/mapping/psd1-errors.js';
import { formatColumn, translateScriptBlock } from '../../../lib/mapping/psd1-script-translate.js';

const expr = (body: string): string => translateScriptBlock(body).expr;

function why(body: string): string {
  try {
    translateScriptBlock(body);
  } catch (err) {
    if (err instanceof Untranslatable) return err.why;
    throw err;
  }
  throw new Error(`translated: ${body}`);
}

describe('translateScriptBlock: values', () => {
  test('string literals in either quote, and booleans, are constants', () => {
    expect(translateScriptBlock(" 'work' ")).toMatchObject({ kind: 'str', constant: { value: 'work' } });
    expect(translateScriptBlock(' "work" ')).toMatchObject({ kind: 'str', constant: { value: 'work' } });
    expect(translateScriptBlock(' $true ')).toMatchObject({ kind: 'bool', constant: { value: true }, expr: 'true' });
    expect(translateScriptBlock(' $False ')).toMatchObject({ kind: 'bool', constant: { value: false } });
  });

  test('$_.\'Col\', $_.Col, $_."Col" and $PSItem.Col are columns', () => {
    for (const body of [" $_.'WorkerID' ", ' $_.WorkerID ', ' $_."WorkerID" ', ' $PSItem.WorkerID ']) {
      expect(translateScriptBlock(body)).toMatchObject({ kind: 'str', column: 'WorkerID', expr: 'WorkerID' });
    }
  });

  test('column names that are not plain identifiers use the backtick form', () => {
    expect(expr(" $_.'First Name' ")).toBe('`First Name`');
    expect(expr(" $_.'Cost-Centre (EU)' ")).toBe('`Cost-Centre (EU)`');
    expect(expr(" $_.'odd`name' ")).toBe('`odd``name`');
    expect(expr(" $_.'and' ")).toBe('`and`');
    expect(formatColumn('Worker_ID2')).toBe('Worker_ID2');
    expect(formatColumn('2ndName')).toBe('`2ndName`');
  });

  test('comments and surrounding newlines are ignored', () => {
    expect(expr("\n  # why\n  $_.'Status' <# inline #> -eq 'Active'\n")).toBe("lower(Status) == 'active'");
  });
});

describe('translateScriptBlock: comparisons ignore case as PowerShell does', () => {
  test('-eq and -ieq lower-case the column and the literal', () => {
    expect(expr(" $_.'WorkerStatus' -eq 'Active' ")).toBe("lower(WorkerStatus) == 'active'");
    expect(expr(" $_.WorkerStatus -ieq 'Active' ")).toBe("lower(WorkerStatus) == 'active'");
    expect(expr(" 'Active' -eq $_.WorkerStatus ")).toBe("'active' == lower(WorkerStatus)");
  });

  test('-ne, and -ceq/-cne compare exactly', () => {
    expect(expr(" $_.Status -ne 'Leaver' ")).toBe("lower(Status) != 'leaver'");
    expect(expr(" $_.Status -ceq 'Active' ")).toBe("Status == 'Active'");
    expect(expr(" $_.Status -cne 'Active' ")).toBe("Status != 'Active'");
  });

  test('two columns are both lower-cased; a literal without letters needs no lower()', () => {
    expect(expr(' $_.A -eq $_.B ')).toBe('lower(A) == lower(B)');
    expect(expr(" $_.Grade -eq '07' ")).toBe("Grade == '07'");
    expect(expr(" $_.Leaver -eq '' ")).toBe("Leaver == ''");
  });

  test('the right side converts to text as PowerShell converts it', () => {
    expect(expr(' $_.Grade -eq 5 ')).toBe("Grade == '5'");
    expect(expr(' $_.Active -eq $true ')).toBe("lower(Active) == 'true'");
  });

  test('-in / -notin with @( ) or a bare list; -contains the other way round', () => {
    expect(expr(" $_.Type -in @('Employee', 'Contractor') ")).toBe("lower(Type) in ['employee', 'contractor']");
    expect(expr(" $_.Type -in 'Employee','Intern' ")).toBe("lower(Type) in ['employee', 'intern']");
    expect(expr(" $_.Code -notin '10', '20' ")).toBe("Code not in ['10', '20']");
    expect(expr(" $_.Type -cin 'A','B' ")).toBe("Type in ['A', 'B']");
    expect(expr(" @('Employee','Intern') -contains $_.Type ")).toBe("lower(Type) in ['employee', 'intern']");
    expect(expr(" 'X','Y' -notcontains $_.Type ")).toBe("lower(Type) not in ['x', 'y']");
    expect(translateScriptBlock(' $_.Type -in @() ')).toMatchObject({ constant: { value: false } });
  });

  test('-like with * at the start and/or end', () => {
    expect(expr(" $_.Mail -like 'adm*' ")).toBe("left(lower(Mail), 3) == 'adm'");
    expect(expr(" $_.Mail -like '*@Contoso.com' ")).toBe("right(lower(Mail), 12) == '@contoso.com'");
    expect(expr(" $_.Title -like '*Manager*' ")).toBe("replace(lower(Title), 'manager', '') != lower(Title)");
    expect(expr(" $_.Code -clike 'AB*' ")).toBe("left(Code, 2) == 'AB'");
    expect(expr(" $_.Mail -notlike 'adm*' ")).toBe("not (left(lower(Mail), 3) == 'adm')");
    expect(expr(" $_.Mail -like 'Exact' ")).toBe("lower(Mail) == 'exact'");
    expect(expr(" $_.Mail -like '' ")).toBe('isEmpty(Mail)');
    expect(translateScriptBlock(" $_.Mail -like '*' ")).toMatchObject({ constant: { value: true } });
  });
});

describe('translateScriptBlock: logic', () => {
  test('-and / -or; PowerShell gives them equal precedence, left to right', () => {
    expect(expr(" $_.A -eq 'x' -and $_.B -ne 'y' ")).toBe("lower(A) == 'x' and lower(B) != 'y'");
    expect(expr(" $_.A -eq 'x' -or $_.B -eq 'y' -and $_.C -eq 'z' ")).toBe("(lower(A) == 'x' or lower(B) == 'y') and lower(C) == 'z'");
    expect(expr(" $_.A -eq 'x' -and ($_.B -eq 'y' -or $_.C -eq 'z') ")).toBe("lower(A) == 'x' and (lower(B) == 'y' or lower(C) == 'z')");
    expect(expr(" $_.A -eq 'x' -and\n  $_.B -eq 'y' ")).toBe("lower(A) == 'x' and lower(B) == 'y'");
  });

  test('-not and ! negate; a column as a condition means "not empty"', () => {
    expect(expr(" -not ($_.Status -eq 'Leaver') ")).toBe("not (lower(Status) == 'leaver')");
    expect(expr(" !($_.Status -eq 'Leaver') ")).toBe("not (lower(Status) == 'leaver')");
    expect(expr(' -not $_.EndDate ')).toBe('isEmpty(EndDate)');
    expect(expr(' $_.Email -and $_.Phone ')).toBe('not isEmpty(Email) and not isEmpty(Phone)');
    expect(expr(' -not -not $_.EndDate ')).toBe('not isEmpty(EndDate)');
  });

  test('[string]::IsNullOrEmpty and IsNullOrWhiteSpace', () => {
    expect(expr(' [string]::IsNullOrEmpty($_.EndDate) ')).toBe('isEmpty(EndDate)');
    expect(expr(" [String]::IsNullOrEmpty($_.'End Date') ")).toBe('isEmpty(`End Date`)');
    expect(expr(' [System.String]::IsNullOrWhiteSpace($_.EndDate) ')).toBe('isEmpty(trim(EndDate))');
    expect(expr(' -not [string]::IsNullOrEmpty($_.EndDate) ')).toBe('not isEmpty(EndDate)');
  });

  test('if / elseif / else become nested if()', () => {
    expect(expr(" if ($_.X -eq 'y') { 'a' } else { 'b' } ")).toBe("if(lower(X) == 'y', 'a', 'b')");
    expect(
      expr(` if ($_.Type -eq 'C') {
        'Contractor'
      }
      elseif ($_.Type -eq 'E') { "Employee" }
      else { $_.Type } `),
    ).toBe("if(lower(Type) == 'c', 'Contractor', if(lower(Type) == 'e', 'Employee', Type))");
    expect(expr(' if ($_.Manager) { $_.Manager } ')).toBe('if(not isEmpty(Manager), Manager, null)');
    expect(translateScriptBlock(" if ($_.S -eq 'A') { $true } else { $false } ")).toMatchObject({ kind: 'bool', expr: "if(lower(S) == 'a', true, false)" });
    expect(expr(" if ($_.S -eq 'A') { return 'x' } else { return 'y' } ")).toBe("if(lower(S) == 'a', 'x', 'y')");
  });
});

describe('translateScriptBlock: text', () => {
  test('+ after text concatenates, flattened into one concat()', () => {
    expect(expr(" $_.First + ' ' + $_.Last ")).toBe("concat(First, ' ', Last)");
    expect(expr(" $_.First + '.' + $_.Last + '@contoso.com' ")).toBe("concat(First, '.', Last, '@contoso.com')");
    expect(expr(' $_.Id + 7 ')).toBe("concat(Id, '7')");
    expect(translateScriptBlock(" 'a' + 'b' ")).toMatchObject({ constant: { value: 'ab' } });
  });

  test('"$($_.A) $($_.B)" interpolation becomes concat()', () => {
    expect(expr(` "$($_.'First Name') $($_.'Last Name')" `)).toBe("concat(`First Name`, ' ', `Last Name`)");
    expect(expr(' "$($_.First).$($_.Last)@contoso.com" ')).toBe("concat(First, '.', Last, '@contoso.com')");
    expect(expr(' "$($_.First)" ')).toBe('First');
    expect(expr(' "`"$($_.First)`"" ')).toBe("concat('\"', First, '\"')");
  });

  test('.ToLower(), .ToUpper(), .Trim() and .Replace() with literals', () => {
    expect(expr(' $_.Mail.ToLower() ')).toBe('lower(Mail)');
    expect(expr(' $_.Code.ToUpperInvariant() ')).toBe('upper(Code)');
    expect(expr(' $_.Name.Trim() ')).toBe('trim(Name)');
    expect(expr(" ($_.First + '.' + $_.Last).ToLower() ")).toBe("lower(concat(First, '.', Last))");
    expect(expr(" $_.Phone.Replace(' ', '') ")).toBe("replace(Phone, ' ', '')");
    expect(expr(" $_.Mail.ToLower() -eq 'x@y.z' ")).toBe("lower(Mail) == 'x@y.z'");
  });

  test('[string] cast is a no-op on text', () => {
    expect(expr(' [string]$_.Id ')).toBe('Id');
  });
});

describe('translateScriptBlock: refused forms say why', () => {
  test.each([
    [' Get-Date -Format yyyy-MM-dd ', 'the command Get-Date is not translated'],
    [" [datetime]::ParseExact($_.HireDate, 'dd/MM/yyyy', $null) ", '[datetime]::ParseExact() is not translated'],
    [' $_.Name | ForEach-Object { $_.ToUpper() } ', 'pipelines (|) are not translated'],
    [' $_.Name.Substring(0, 1) ', ".Substring() fails in PowerShell on values shorter than asked, where hrsync's substring()/left() do not; write it by hand"],
    [' $_.Name.PadLeft(8) ', 'the method .PadLeft() is not translated'],
    [' $_.Name.Length ', 'the property .Length of a value is not translated'],
    [' $_.Age -gt 30 ', "-gt compares text in PowerShell ('10' -lt '9') but numbers in hrsync, so it is not translated"],
    [" $_.Mail -match '^adm' ", 'regular-expression matching (-match) has no hrsync equivalent'],
    [" $_.Name -replace 'a', 'b' ", '-replace (a case-insensitive .NET regular expression) is not translated; use replace() or regexReplace()'],
    [" $_.Mail -like 'a*b' ", "the -like pattern 'a*b' has a * inside; only * at the start and/or end is translated"],
    [" $_.Mail -like 'a?' ", 'the -like wildcards ? and [ ] are not translated; only * at the start and/or end'],
    [' $_.End -eq $null ', "-eq $null is true only for a missing column (an empty cell is ''); compare with '' instead"],
    [' $null -eq $_.End ', "$null on the left of -eq is true only for a missing column (an empty cell is ''), so it is not translated"],
    [' 5 -eq $_.Grade ', 'a number on the left of -eq compares as numbers, which is not translated'],
    [' $_.Type -in $_.Allowed ', '-in with a list that is not all literals is not translated'],
    [' "$_.Name" ', `"$_…" in a string expands the whole row, not a column; write "$($_.'Column')"`],
    [' $Domain ', 'the variable $Domain is not translated; only $_ (the row), $true, $false and $null are'],
    [" $_.A; 'b' ", 'the scriptblock has several statements'],
    [' ', 'the scriptblock outputs nothing'],
    [' $_ ', 'the whole row ($_) is not a value hrsync can map; use one of its columns'],
    [" $x = 'a' ", 'the variable $x is not translated; only $_ (the row), $true, $false and $null are'],
    [" $_.A = 'a' ", 'assignments are not translated'],
    [' 1 + $_.A ', 'arithmetic is not translated'],
    [" $_.A -f 'x' ", 'the format operator -f is not translated'],
    [" '{0}' -f $_.A ", 'the format operator -f is not translated'],
    [' foreach ($x in $y) { $x } ', 'the foreach statement has no hrsync equivalent'],
    [" if ($_.A -eq 'x') { $true } else { 'no' } ", 'the branches of this if give a true/false value and text, which is not translated'],
    [" $_.A + ($_.B -eq 'x') ", 'a true/false value used as text is not translated'],
    [' (Get-Culture).TextInfo.ToTitleCase($_.Name) ', 'the command Get-Culture is not translated'],
    [' $_.A -xor $_.B ', '-xor is not translated'],
    [' @{ a = 1 } ', 'hashtables inside a scriptblock are not translated'],
    [" $_.A -eq 'x' -eq $true ", 'a true/false value on the left of -eq is not translated'],
  ])('%s', (body, reason) => {
    expect(why(body)).toBe(reason);
  });

  test('a constant $null is not refused here: the importer reports that it maps nothing', () => {
    expect(translateScriptBlock(' $null ')).toMatchObject({ kind: 'null', constant: { value: null } });
  });

  test('unbalanced input is refused, not thrown as a crash', () => {
    expect(why(" ($_.A -eq 'x' ")).toBe('the scriptblock ends unexpectedly');
    expect(why(" $_.A -eq 'x ")).toBe('a string is not closed');
  });
});
