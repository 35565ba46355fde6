/**
 * A small, labelled evaluation set for Chinese search: short news articles (the first is the seed
 * page's title and first three paragraphs) and queries with the articles each must and must not
 * find. Labels follow the literal text: a query finds the articles that contain every term (a
 * quoted phrase as written); Latin terms are whole words. Queries whose literal matches include a
 * cross-word accident (市长 in 南京市长江大桥) list that article apart, as crossWord, and say which
 * article should rank first.
 */

export type EvalArticle = { id: string; title: string; body: string };
export type EvalQuery = {
  q: string;
  mustFind: string[];
  mustNotFind: string[];
  /** The article that should rank first. */
  best?: string;
  /** Articles that contain the query only across a word boundary: 市长 in 南京市|长江|大桥. */
  crossWord?: string[];
};

export const EVAL_ARTICLES: EvalArticle[] = [
  {
    id: 'seed',
    title: '甘肃省党政代表团来津考察:深化对接交流,加强优势互补,持续推进新时代新征程津甘协作',
    body: [
      '4月17日至18日,甘肃省党政代表团来津考察,两省市召开天津市·甘肃省东西部协作座谈会,并签署一批协作项目协议。',
      '市委书记陈敏尔主持座谈会并讲话,甘肃省委书记、省人大常委会主任胡昌升出席并讲话。甘肃省委副书记、省长任振鹤和市委副书记、市长张工分别介绍两省市经济社会发展和协作工作情况。',
      '在座谈会上,陈敏尔说,开展东西部协作,是以习近平同志为核心的党中央着眼推动区域协调发展、实现共同富裕作出的重大决策。在深入开展学习贯彻习近平新时代中国特色社会主义思想主题教育的重要时刻,甘肃省党政代表团来津考察对接,共商合作大计,是学习贯彻习近平总书记关于东西部协作工作重要论述的具体举措,进一步增强了我们做好津甘协作工作的政治自觉、思想自觉、行动自觉。我们要立足新时代新征程,把握新任务新要求,在已有基础上持续深化津甘东西部协作,助力甘肃巩固拓展脱贫攻坚成果、全面推进乡村振兴,以实际行动体现坚定拥护“两个确立”、坚决做到“两个维护”。加强产业协作,继续做好“土特产”文章,完善平台载体,助力当地做优特色产业,协同发展新能源、新材料、生物医药等新兴产业,以产业发展更好带动就业增收。加强市场协作,持续推动“甘味”特色农牧产品进机关、进商超、进食堂、进校园、进社区,拓展消费市场,加强文旅合作,推动海港、陆港统筹联动,携手开拓海外市场。加强智力协作,选派好当地需要的干部和人才,完善教育医疗“组团式”“院包科”帮扶模式,实施好科技特派员制度,为当地乡村产业发展提供有力的科技服务。加强社会协作,强化文化交流,做好慈善帮扶,动员社会力量广泛参与津甘协作。',
    ].join('\n\n'),
  },
  {
    id: 'gansu',
    title: '天水花牛苹果喜获丰收 远销东南沿海',
    body: '甘肃省天水市的花牛苹果今年喜获丰收,果农人均增收三千余元。当地依托东西部消费帮扶机制,与东部多个城市的商超开展产销协作,冷链物流让苹果三天内摆上货架。',
  },
  {
    id: 'sweet',
    title: '广西甘蔗开榨 糖厂满负荷运转',
    body: '入冬以来,广西各地甘蔗陆续开榨,糖厂满负荷运转。书法家协会当天在糖厂礼堂展出以丰收为主题的作品,展厅气氛庄严肃穆。',
  },
  {
    id: 'tj-port',
    title: '天津港口货物吞吐量再创新高',
    body: '2023年天津港口货物吞吐量突破5.5亿吨,集装箱吞吐量达到2217万标准箱,同比增长4.7%。天津港集团负责人表示,将继续拓展海铁联运通道,服务腹地经济发展。',
  },
  {
    id: 'tj-weather',
    title: '大风蓝色预警发布',
    body: '天津市气象台4月20日发布大风蓝色预警,预计午后至夜间阵风可达七级。气象部门提醒市民出行注意安全,加固户外广告牌等设施。',
  },
  {
    id: 'tj-apart',
    title: '北方航运中心建设提速',
    body: '滨海新区近日召开航运发展大会。天津将与环渤海多个港口加强航线共享,推动北方国际航运枢纽建设。',
  },
  {
    id: 'jjj',
    title: '京津冀协同发展迈入新阶段',
    body: '京津冀协同发展战略实施以来,北京、天津、河北三地在交通、生态、产业三个领域率先突破。轨道上的京津冀加快成形,通勤时间明显缩短。',
  },
  {
    id: 'bj-hb',
    title: '两地交通一卡通全面互认',
    body: '北京市与河北省交通部门宣布,两地公交地铁一卡通实现全面互认,乘客可持卡在两地乘坐公共交通。',
  },
  {
    id: 'cetc',
    title: '中电科发布新一代北斗导航芯片',
    body: '中国电子科技集团有限公司(中电科)旗下研究所发布新一代北斗导航芯片,功耗降低三成,定位精度达到厘米级。',
  },
  {
    id: 'cec',
    title: '中电联:用电量保持平稳增长',
    body: '中电联发布报告显示,2023年全国全社会用电量同比增长6.7%,第三产业用电量增速最快。报告预计今年电力供需总体平衡。',
  },
  {
    id: 'reporter',
    title: '社区食堂开到家门口',
    body: '本报记者陈敏 任振华报道:河西区首家社区长者食堂日前开业,老人凭卡就餐可享受八折优惠,每天供应三十余种菜品。',
  },
  {
    id: 'apple',
    title: '苹果CEO库克:中国市场至关重要',
    body: '苹果公司CEO蒂姆·库克表示,iPhone 15系列在中国市场需求旺盛。该系列于2023年9月发布,首次采用USB-C接口。',
  },
  {
    id: 'huawei',
    title: '华为Ｍａｔｅ６０ Ｐｒｏ开售即售罄',
    body: '华为Ｍａｔｅ６０ Ｐｒｏ手机今日在线上线下同步开售,多家门店排起长队,首批备货很快售罄。',
  },
  {
    id: 'english',
    title: 'Café owners meet in Zürich',
    body: 'Café owners from twelve countries met the CEO forum in Zürich in 2023 to discuss coffee prices and supply chains.',
  },
  {
    id: 'mayor',
    title: '市长张工主持召开市政府常务会议',
    body: '市长张工主持召开市政府常务会议,研究部署防汛工作。张工强调,要压实防汛责任,确保群众生命财产安全。',
  },
  {
    id: 'bridge',
    title: '南京长江大桥迎来通车纪念日',
    body: '南京市长江大桥迎来通车纪念日,不少市民前来参观。专家主张工作重点放在桥梁日常养护上。',
  },
];

export const EVAL_QUERIES: EvalQuery[] = [
  { q: '甘肃', mustFind: ['seed', 'gansu'], mustNotFind: ['sweet'] },
  { q: '天津', mustFind: ['seed', 'tj-port', 'tj-weather', 'tj-apart', 'jjj'], mustNotFind: ['bj-hb', 'gansu'] },
  { q: '天津市', mustFind: ['seed', 'tj-weather'], mustNotFind: ['tj-port', 'jjj'] },
  { q: '协作', mustFind: ['seed', 'gansu'], mustNotFind: ['sweet', 'jjj'] },
  { q: '陈敏尔', mustFind: ['seed'], mustNotFind: ['reporter'] },
  { q: '任振鹤', mustFind: ['seed'], mustNotFind: ['reporter'] },
  { q: '中电科', mustFind: ['cetc'], mustNotFind: ['cec'] },
  { q: '京津冀', mustFind: ['jjj'], mustNotFind: ['bj-hb', 'seed'] },
  { q: '天津 协作', mustFind: ['seed'], mustNotFind: ['tj-port', 'gansu', 'tj-weather'] },
  { q: '甘肃 天津', mustFind: ['seed'], mustNotFind: ['gansu', 'tj-port'] },
  { q: '"天津 港口"', mustFind: ['tj-port'], mustNotFind: ['tj-apart'] },
  { q: '天津 港口', mustFind: ['tj-port', 'tj-apart'], mustNotFind: ['tj-weather'] },
  { q: 'CEO', mustFind: ['apple', 'english'], mustNotFind: ['huawei'] },
  { q: 'ceo', mustFind: ['apple', 'english'], mustNotFind: ['cetc'] },
  { q: 'iPhone', mustFind: ['apple'], mustNotFind: ['huawei', 'english'] },
  { q: 'ＩＰＨＯＮＥ', mustFind: ['apple'], mustNotFind: ['huawei'] },
  { q: '"iPhone 15"', mustFind: ['apple'], mustNotFind: ['huawei'] },
  { q: '2023', mustFind: ['tj-port', 'cec', 'apple', 'english'], mustNotFind: ['huawei', 'tj-weather'] },
  { q: '2023年', mustFind: ['tj-port', 'cec', 'apple'], mustNotFind: ['english'] },
  { q: 'mate60', mustFind: ['huawei'], mustNotFind: ['apple'] },
  { q: 'cafe zurich', mustFind: ['english'], mustNotFind: ['apple'] },
  { q: '东西部协作', mustFind: ['seed'], mustNotFind: ['gansu'] },
  { q: '甘味', mustFind: ['seed'], mustNotFind: ['sweet', 'gansu'] },
  { q: '陆港', mustFind: ['seed'], mustNotFind: ['tj-port'] },
  { q: '津甘', mustFind: ['seed'], mustNotFind: ['tj-port', 'gansu'] },
  { q: '4月17日', mustFind: ['seed'], mustNotFind: ['tj-weather'] },
  { q: '习近平 乡村振兴', mustFind: ['seed'], mustNotFind: ['gansu'] },
  { q: '市长', mustFind: ['seed', 'mayor'], mustNotFind: ['tj-weather'], best: 'mayor', crossWord: ['bridge'] },
  { q: '张工', mustFind: ['seed', 'mayor'], mustNotFind: ['tj-port'], best: 'mayor', crossWord: ['bridge'] },
];
