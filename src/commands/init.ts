import { Flags } from '@oclif/core'
import { BaseCommand } from '../base-command.js'
import { assertAreaLevel, type InitResult, initArea } from '../lib/area.js'
import { builtinRegions } from '../lib/regions.js'

export default class Init extends BaseCommand<typeof Init> {
  static summary = '新建数据库并设定辖区（县、市州或省）'
  static description = '在 --db 指定的位置新建台账数据库，载入全省行政区划，记录辖区、单位名称和操作员。已建好的数据库不会被改动。'
  static examples = [
    '<%= config.bin %> <%= command.id %> --area 威宁县 --operator 张三',
    '<%= config.bin %> <%= command.id %> --area 520526 --org-name 威宁彝族回族苗族自治县残疾人联合会 --db 威宁.db',
    '<%= config.bin %> <%= command.id %> --area 黔南州',
  ]
  static dbMode = 'create' as const
  static flags = {
    area: Flags.string({ char: 'a', summary: '辖区：县、市州或省的名称（全称或简称）或区划代码' }),
    'org-name': Flags.string({ summary: '本单位名称（默认为「辖区名称 + 残疾人联合会」）' }),
  }

  async run(): Promise<InitResult> {
    const index = builtinRegions()
    const area = this.flags.area ?? (await this.ask('area', '本库的辖区（县名、市州名或区划代码）：', (v) => checkArea(index, v)))
    const region = index.find(area)
    assertAreaLevel(region)
    // The operator is asked for on a TTY; in a script it falls back like every other command's.
    const operator = this.flags.operator ?? (this.interactive ? await this.ask('operator', '操作员姓名：') : this.operator)
    const result = initArea(this.db, region, { operator, orgName: this.flags['org-name'] })
    this.info(`已建库：${this.openDb().file}`)
    this.printRecord([
      ['辖区', `${result.area.name}（${result.area.code}，${result.area.levelName}）`],
      ['单位', result.area.orgName],
      ['操作员', result.area.createdBy],
      ['载入区划', `${result.regionsLoaded} 个`],
    ])
    return result
  }
}

function checkArea(index: ReturnType<typeof builtinRegions>, value: string): true | string {
  try {
    index.find(value)
    return true
  } catch (error) {
    return (error as Error).message
  }
}
