/**
 * The office's own data files (rule files, assessment schemes) are JSON written by hand in a text
 * editor: read them in UTF-8 or GB18030 (Notepad on Chinese Windows), and say where a syntax error is.
 */

/** UTF-8 (with or without BOM), else GB18030. */
export function decodeText(bytes: Buffer): string {
  let content: string
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    content = new TextDecoder('gb18030').decode(bytes)
  }
  return content.replace(/^\uFEFF/, '')
}

/**
 * Finds the first JSON syntax error: JSON.parse's messages differ between Node versions and some
 * carry no position, so the text is scanned once more by this small recursive-descent reader.
 */
export function locateJsonError(text: string): { line: number; column: number; reason: string } | null {
  let i = 0
  class Stop {
    constructor(readonly at: number, readonly reason: string) {}
  }
  const fail = (reason: string, at = i): never => {
    throw new Stop(at, reason)
  }
  const unexpected = (c: string | undefined): never => {
    if (c === undefined) return fail('内容意外结束，可能缺少 }、] 或引号')
    if ('，：“”‘’｛｝［］；'.includes(c)) return fail(`用了中文标点「${c}」，应为英文半角标点`)
    if (c === "'") return fail('应使用英文双引号 "，不能用单引号')
    return fail(`此处不应出现「${c}」`)
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++
  }
  const string = () => {
    i++
    while (i < text.length) {
      const c = text[i]
      if (c === '"') {
        i++
        return
      }
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u 后面应为 4 位十六进制数', i)
          i += 6
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail(`文字中的反斜杠 \\ 应写成 \\\\（如文件路径）`, i)
        i += 2
        continue
      }
      if (c < ' ') fail('文字中间不能换行，引号可能没有配对')
      i++
    }
    fail('引号没有配对')
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] !== '"') {
          if (text[i] === '}') fail('最后一项后面多了逗号')
          if (text[i] === undefined || '，：“”‘’｛｝'.includes(text[i]) || text[i] === "'") unexpected(text[i])
          fail('此处应为用英文双引号括起的项名')
        }
        string()
        ws()
        if (text[i] !== ':') text[i] === '：' ? unexpected(text[i]) : fail('项名后面应为英文冒号 :')
        i++
        value()
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') return void i++
        if (text[i] === '"') fail('上一项后面缺少逗号')
        text[i] === undefined || '，'.includes(text[i]) ? unexpected(text[i]) : fail('此处应为英文逗号 , 或 }')
      }
    }
    if (c === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (;;) {
        ws()
        if (text[i] === ']') fail('最后一项后面多了逗号')
        value()
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') return void i++
        if (text[i] === '{' || text[i] === '"') fail('上一项后面缺少逗号')
        text[i] === undefined || '，'.includes(text[i]) ? unexpected(text[i]) : fail('此处应为英文逗号 , 或 ]')
      }
    }
    if (c === '"') return string()
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
    num.lastIndex = i
    if (c !== undefined && /[-\d]/.test(c)) {
      if (!num.test(text)) fail('数字的写法不对')
      i = num.lastIndex
      return
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return
      }
    }
    unexpected(c)
  }
  try {
    ws()
    if (i >= text.length) fail('文件是空的')
    value()
    ws()
    if (i < text.length) fail('内容结束后还有多余的字符')
    return null
  } catch (error) {
    if (!(error instanceof Stop)) throw error
    const before = text.slice(0, error.at)
    const line = before.split('\n').length
    const column = error.at - (before.lastIndexOf('\n') + 1) + 1
    return { line, column, reason: error.reason }
  }
}
