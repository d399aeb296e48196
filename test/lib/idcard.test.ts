import { describe, expect, it } from 'vitest'
import {
  checkCertificate, checkIdNumber, genderOf, idCheckChar, normalizeIdLike, parseCategory, parseGrade, toHalfWidth,
} from '../../src/lib/idcard.js'

// 11010519491231002X is the worked example printed in GB 11643.
const VALID = '11010519491231002X'
const withCheck = (first17: string) => first17 + idCheckChar(first17)

describe('身份证号', () => {
  it('computes the ISO 7064 MOD 11-2 check character of the standard example', () => {
    expect(idCheckChar('11010519491231002')).toBe('X')
    expect(checkIdNumber(VALID)).toBeNull()
  })

  it('rejects a wrong check character as id_checksum', () => {
    expect(checkIdNumber('110105194912310021')).toBe('id_checksum')
  })

  it('tells an ID that Excel cut to 15 significant digits from a typing mistake', () => {
    const id = withCheck('52242719800101123')
    const truncated = id.slice(0, 15) + '000'
    expect(checkIdNumber(truncated)).toBe('id_excel_truncated')
    expect(checkIdNumber('110105194912310021', { storedAsNumber: true })).toBe('id_excel_truncated')
  })

  it('recognises scientific notation left by Excel', () => {
    expect(checkIdNumber('5.20102E+17')).toBe('id_scientific_notation')
    expect(checkIdNumber('5.22427E17')).toBe('id_scientific_notation')
  })

  it('rejects impossible and future birth dates', () => {
    expect(checkIdNumber(withCheck('52242719800230123'))).toBe('id_birthdate')
    expect(checkIdNumber(withCheck('52242721990101123'), { today: new Date('2026-11-29') })).toBe('id_birthdate')
  })

  it('rejects the wrong length, including old 15-digit IDs', () => {
    expect(checkIdNumber('522427800101123')).toBe('id_format')
    expect(checkIdNumber('52242719800101123Y')).toBe('id_format')
  })

  it('folds full-width digits, spaces and a lowercase x, reporting each change', () => {
    expect(normalizeIdLike(' １１０１０５１９４９１２３１００２ｘ ')).toEqual({ value: VALID, changes: ['fullwidth', 'trimmed', 'lowercase_x'] })
    expect(normalizeIdLike('110105 19491231 002X')).toEqual({ value: VALID, changes: ['spaces_removed'] })
    expect(toHalfWidth('（Ａ１）')).toBe('(A1)')
  })

  it('reads the gender from the 17th digit', () => {
    expect(genderOf(VALID)).toBe('女')
    expect(genderOf(withCheck('52242719800101123'))).toBe('男')
  })
})

describe('残疾人证号, 类别 and 等级', () => {
  it('accepts a certificate made of the ID, category and grade', () => {
    expect(checkCertificate(`${VALID}42`, VALID, 4, 2)).toBeNull()
    expect(checkCertificate(`${VALID}42`, VALID, null, null)).toBeNull()
  })

  it('names each way a certificate can disagree', () => {
    expect(checkCertificate(`${VALID}4`, VALID, 4, 2)).toBe('cert_format')
    expect(checkCertificate(`${VALID}82`, VALID, null, null)).toBe('cert_format')
    expect(checkCertificate(`${withCheck('52242719800101123')}42`, VALID, 4, 2)).toBe('cert_id_mismatch')
    expect(checkCertificate(`${VALID}42`, VALID, 1, 2)).toBe('cert_category_mismatch')
    expect(checkCertificate(`${VALID}42`, VALID, 4, 3)).toBe('cert_grade_mismatch')
  })

  it('reads categories written with 残疾 appended or as codes', () => {
    expect(parseCategory('肢体')).toEqual({ code: 4, normalized: false })
    expect(parseCategory('肢体残疾')).toEqual({ code: 4, normalized: true })
    expect(parseCategory('语言')).toEqual({ code: 3, normalized: true })
    expect(parseCategory('６')).toEqual({ code: 6, normalized: true })
    expect(parseCategory('残疾')).toBeNull()
  })

  it('reads grades written as 二级, 贰级, 2级 or Ⅱ级', () => {
    expect(parseGrade('2')).toEqual({ grade: 2, normalized: false })
    for (const text of ['二级', '贰级', '2级', 'Ⅱ级', '２', '二']) expect(parseGrade(text)?.grade, text).toBe(2)
    expect(parseGrade('5级')).toBeNull()
    expect(parseGrade('重度')).toBeNull()
  })

  it('reads categories and grades written with detail after them', () => {
    expect(parseCategory('肢体残疾（下肢）')).toEqual({ code: 4, normalized: true })
    expect(parseCategory('视力一级')).toEqual({ code: 1, normalized: true })
    expect(parseGrade('二级（重度）')?.grade).toBe(2)
    expect(parseGrade('肢体叁级')?.grade).toBe(3)
  })

  it('drops the apostrophe people type to keep an ID as text', () => {
    expect(normalizeIdLike(`'${VALID}`)).toEqual({ value: VALID, changes: ['trimmed'] })
  })
})

