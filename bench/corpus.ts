/**
 * Word lists and sentence templates for the benchmark generator. The lists are written as
 * space-separated strings to keep this file readable; `word:pin-yin` pairs give a fixed pinyin
 * so article slugs need no per-article call to pinyin-pro (far too slow at 100k articles).
 * Nothing here may contain `<`, `>` or `&`: bodies are assembled as HTML without escaping.
 */

const words = (s: string): string[] => s.trim().split(/\s+/);

export type Topic = { word: string; pinyin: string };
const topics = (s: string): Topic[] =>
  words(s).map((pair) => {
    const [word = '', pinyin = ''] = pair.split(':');
    return { word, pinyin };
  });

export type SectionDef = { slug: string; name: string; children: { slug: string; name: string }[]; focus: Topic[] };

const section = (slug: string, name: string, children: string, focus: string): SectionDef => ({
  slug,
  name,
  // Child slugs carry the parent's so they stay unique across the tree (tianjin-binhai).
  children: topics(children).map(({ word, pinyin }) => ({ slug: `${slug}-${pinyin}`, name: word })),
  focus: topics(focus),
});

/** The seed page's navigation bar, in its order, each with a few subsections and focus topics. */
export const SECTIONS: SectionDef[] = [
  section('redian', '热点', '要闻:yaowen 独家:dujia 专题:zhuanti', '两会:liang-hui 重大项目:zhong-da-xiang-mu 防汛救灾:fang-xun-jiu-zai'),
  section('tianjin', '天津', '滨海新区:binhai 和平区:heping 河西区:hexi 南开区:nankai', '海河:hai-he 天津港:tian-jin-gang 城市更新:cheng-shi-geng-xin'),
  section('zhengqing', '政情', '人事:renshi 会议:huiyi 政策:zhengce', '东西部协作:dong-xi-bu-xie-zuo 营商环境:ying-shang-huan-jing 主题教育:zhu-ti-jiao-yu'),
  section('fazhi', '法治', '警讯:jingxun 法院:fayuan 普法:pufa', '扫黑除恶:sao-hei-chu-e 反诈宣传:fan-zha-xuan-chuan 安全生产:an-quan-sheng-chan'),
  section('weishi', '微视', '短视频:duanshipin 直播:zhibo', '短视频:duan-shi-pin 网络直播:wang-luo-zhi-bo 津门故事:jin-men-gu-shi'),
  section('dianbo', '点播', '纪录片:jilupian 访谈:fangtan', '纪录片:ji-lu-pian 人物访谈:ren-wu-fang-tan 城市记忆:cheng-shi-ji-yi'),
  section('caijing', '财经', '股市:gushi 楼市:loushi 产经:chanjing 金融:jinrong', '数字经济:shu-zi-jing-ji 股市行情:gu-shi-hang-qing 楼市调控:lou-shi-tiao-kong 普惠金融:pu-hui-jin-rong'),
  section('xuanwen', '炫闻', '科技:keji 奇闻:qiwen', '人工智能:ren-gong-zhi-neng 5G应用:5g-ying-yong 低空经济:di-kong-jing-ji'),
  section('minsheng', '民声', '投诉:tousu 热线:rexian 社区:shequ', '老旧小区改造:lao-jiu-xiao-qu-gai-zao 垃圾分类:la-ji-fen-lei 停车难:ting-che-nan'),
  section('gongzuoshi', '工作室', '评论:pinglun 图片:tupian', '津云评论:jin-yun-ping-lun 图说天津:tu-shuo-tian-jin 一线调查:yi-xian-diao-cha'),
  section('tiyu', '体育', '足球:zuqiu 篮球:lanqiu 排球:paiqiu', '天津女排:tian-jin-nv-pai 中超联赛:zhong-chao-lian-sai CBA联赛:cba-lian-sai 全民健身:quan-min-jian-shen'),
  section('yule', '娱乐', '影视:yingshi 音乐:yinyue', '电影票房:dian-ying-piao-fang 相声:xiang-sheng 演唱会:yan-chang-hui'),
  section('wenhui', '文汇', '读书:dushu 文博:wenbo 非遗:feiyi', '非遗传承:fei-yi-chuan-cheng 天津博物馆:tian-jin-bo-wu-guan 全民阅读:quan-min-yue-du'),
  section('lehuo', '乐活', '美食:meishi 旅游:lvyou 健康:jiankang', '天津美食:tian-jin-mei-shi 周末出游:zhou-mo-chu-you 健康科普:jian-kang-ke-pu'),
];

export const SOURCE_KINDS = ['newspaper', 'agency', 'website', 'partner', 'internal'] as const;
export type SourceDef = { slug: string; name: string; kind: (typeof SOURCE_KINDS)[number]; weight: number };

const source = (slug: string, name: string, kind: SourceDef['kind'], weight: number): SourceDef => ({ slug, name, kind, weight });

/** Twenty sources; weights make the house paper and the wire agencies the common ones. */
export const SOURCES: SourceDef[] = [
  source('tianjin-daily', '天津日报', 'newspaper', 30),
  source('jinwan-bao', '今晚报', 'newspaper', 10),
  source('meiri-xinbao', '每日新报', 'newspaper', 4),
  source('renmin-ribao', '人民日报', 'newspaper', 3),
  source('guangming-ribao', '光明日报', 'newspaper', 2),
  source('jingji-ribao', '经济日报', 'newspaper', 2),
  source('gansu-ribao', '甘肃日报', 'newspaper', 1),
  source('xinhua', '新华社', 'agency', 12),
  source('zhongxinshe', '中国新闻社', 'agency', 4),
  source('chinanews', '中国新闻网', 'website', 4),
  source('jinyun', '津云', 'website', 8),
  source('enorth', '北方网', 'website', 6),
  source('people-cn', '人民网', 'website', 3),
  source('cctv-news', '央视新闻', 'website', 3),
  source('hebei-daily', '河北日报', 'partner', 2),
  source('beijing-daily-app', '北京日报客户端', 'partner', 2),
  source('binhai-rongmei', '滨海新区融媒体中心', 'partner', 2),
  source('xiongan-news', '雄安新闻网', 'partner', 1),
  source('tjrb-media-center', '天津日报全媒体中心', 'internal', 5),
  source('tjrb-commentary', '本报评论部', 'internal', 2),
];

/**
 * Topics every section writes about. An article takes two or three of them, so each shows up in
 * a realistic share of articles rather than in all; the boosted ones are search-benchmark words.
 */
export const TOPICS: Topic[] = topics(`
  高质量发展:gao-zhi-liang-fa-zhan 乡村振兴:xiang-cun-zhen-xing 京津冀协同发展:jing-jin-ji-xie-tong-fa-zhan
  科技创新:ke-ji-chuang-xin 新质生产力:xin-zhi-sheng-chan-li 绿色低碳:lv-se-di-tan 民生保障:min-sheng-bao-zhang
  生态保护:sheng-tai-bao-hu 智能制造:zhi-neng-zhi-zao 文化旅游:wen-hua-lv-you 基层治理:ji-ceng-zhi-li
  就业增收:jiu-ye-zeng-shou 消费升级:xiao-fei-sheng-ji 人才引育:ren-cai-yin-yu 对外开放:dui-wai-kai-fang
  共同富裕:gong-tong-fu-yu 产业协作:chan-ye-xie-zuo 教育医疗:jiao-yu-yi-liao 交通建设:jiao-tong-jian-she
  招商引资:zhao-shang-yin-zi 数字化转型:shu-zi-hua-zhuan-xing 港产城融合:gang-chan-cheng-rong-he
  信创产业:xin-chuang-chan-ye 生物医药:sheng-wu-yi-yao 海洋经济:hai-yang-jing-ji 养老服务:yang-lao-fu-wu
  食品安全:shi-pin-an-quan 社区服务:she-qu-fu-wu 双碳目标:shuang-tan-mu-biao 东西部协作:dong-xi-bu-xie-zuo
  营商环境:ying-shang-huan-jing
`);

export const TOPIC_WEIGHTS: Record<string, number> = { 高质量发展: 5, 京津冀协同发展: 2, 乡村振兴: 2, 科技创新: 2, 营商环境: 2 };
/** Articles on these topics also draw the cooperation sentences (协作, 京津冀, 甘肃 …). */
export const COOPERATION_TOPICS = ['京津冀协同发展', '东西部协作', '产业协作'];

export const TAGS = words(`
  天津 京津冀 协作 高质量发展 乡村振兴 经济 民生 科技创新 营商环境 滨海新区 天津港 海河 教育 医疗 交通
  文旅 体育 文化 消费 就业 养老 生态 环保 金融 楼市 股市 制造业 人工智能 5G 新能源 生物医药 信创
  招商引资 项目建设 东西部协作 甘肃 雄安 北京 河北 社区 志愿服务 法治 安全 反诈 非遗 美食 旅游 健康
  女排 足球 篮球 演出 电影 阅读 数字经济 港口 航运 双碳 人才 青年 校园 春节 国庆
`);

export const SURNAMES = words('王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗 梁 宋 郑 谢 韩 唐 冯 于 董 萧 程 曹 袁 邓 许 傅 沈 曾 彭 吕 苏 卢 蒋 蔡 贾 丁 魏 薛 叶 阎 孟');
export const GIVEN = words('伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀 霞 平 刚 桂 英 华 玉 萍 红 鹏 辉 建 国 振 鹤 力 玲 庆 松 文 博 宇 昊 晨 欣 怡 佳 雪 琳 海 波 宁 峰 斌 凯 浩 然 楠 悦 锋 健 岩');

export const ROLES = words(`
  市委书记 市长 副市长 市委副书记 区委书记 区长 副区长 局长 副局长 主任 副主任 董事长 总经理
  院长 校长 教授 研究员 负责人 村党支部书记 社区书记 总工程师 主教练 队长 馆长 处长
`);

export const DISTRICTS = words('滨海新区 和平区 河西区 南开区 河东区 河北区 红桥区 东丽区 西青区 津南区 北辰区 武清区 宝坻区 宁河区 静海区 蓟州区');
export const PLACES = words(`
  天津 天津市 天津港 海河 于家堡 中新天津生态城 东疆综合保税区 五大道 意式风情区 天津站 梅江会展中心
  天津滨海国际机场 海河教育园区 京津中关村科技城 天津经济技术开发区 天津港保税区 南港工业区 蓟州山区 团泊新城
`);
export const PROVINCES = words('北京 河北 甘肃 雄安新区 上海 广东 深圳 重庆 新疆 西藏 承德 唐山 兰州 天水 定西 陇南 和田 昌都 沧州 廊坊');

export const ORGS = words(`
  市发展改革委 市科技局 市商务局 市教委 市卫健委 市生态环境局 市住房城乡建设委 市交通运输委 市农业农村委
  市文化和旅游局 市公安局 市市场监管委 市人社局 市体育局 市工业和信息化局 市合作交流办 市民政局 市司法局
  天津大学 南开大学 天津医科大学总医院 天津市第一中心医院 天津港集团 天津海关 人民银行天津分行 天津证监局
  市高级人民法院 市人民检察院 滨海新区管委会 天津女排俱乐部 天津津门虎足球俱乐部 天津先行者篮球俱乐部
`);
export const COMPANY_HEADS = words('津港 海河 渤海 泰达 华北 中电 北辰 津门 滨城 京津 天士力 卓朗 蓝天 海光 曙光 飞腾 长城 中汽');
export const COMPANY_CORES = words('智能 新能源 生物医药 数字 信创 航空 港口 物流 新材料 半导体 软件 氢能 储能 装备 食品 文化');
export const COMPANY_TAILS = words('科技有限公司 集团有限公司 股份有限公司 研究院 控股集团 产业园 发展有限公司');

/** An article names one technology; a quarter of the time it is a Latin word (5G, APP …). */
export const LATIN = words('APP AI 5G VR 4K SaaS IoT ETC');
export const TECH = words('智能 数字 云计算 大数据 物联网 区块链 人工智能 工业互联网 北斗 无人驾驶');
export const EXECS = words('董事长 总经理 副总裁 技术总监 创始人 研发负责人');
export const JOBS = words('社区网格员 快递小哥 小学教师 急诊科医生 志愿者 工程师 外卖骑手 公交司机 民警 非遗传承人 农技员 退休职工');
export const TEAMS = words('天津女排 天津津门虎队 天津先行者队 天津男排 天津女篮 天津青年队');
export const FACILITIES = words('口袋公园 便民驿站 充电桩 社区食堂 养老服务站 智慧停车场 健身步道 党群服务中心');
export const CHANNELS = words('APP 微信公众号 小程序 政务服务热线 12345热线 网站 客户端 留言板');
export const METRICS = words('地区生产总值 社会消费品零售总额 固定资产投资 外贸进出口总值 规上工业增加值');

export const QUOTES = words(`
  现在办事方便多了，在家门口就能办好。
  我们一定把这件好事办好，让老百姓得到实实在在的实惠。
  项目投产后，企业的订单排到了明年。
  这几年变化太大了，住得舒心，出行也方便。
  有了政策支持，我们创业更有底气了。
  我们将继续加大研发投入，争取早日实现技术突破。
  比赛还没结束，我们要把每一分都拼下来。
  希望更多年轻人走进博物馆，感受传统文化的魅力。
  周末带孩子来海河边走走，风景特别好。
  数据跑路代替群众跑腿，审批时间缩短了一半。
`);

/** Title templates; `{slot}` names are filled by the generator. Lengths are checked after filling. */
export const TITLE_TEMPLATES = words(`
  {place}：{topic}跑出“加速度”
  {official}在{district}调研{topic}工作
  {place}召开{focus}工作推进会
  {topic}取得新成效，{district}{count}项目集中开工
  {company}{tech}项目落地{district}
  坚持{topic}，推动{place}{topic2}再上新台阶
  {province}党政代表团来津考察，深化{topic}
  记者探访{district}：{focus}让群众生活更美好
  前{month}个月{place}经济运行稳中向好，{metric}同比增长{pct}
  {focus}持续升温，{place}{people}参与
  {org}出台新举措，助力{topic}
  天津与{province}签署{topic}合作协议
  {district}：以{focus}为抓手，推进{topic}
  {year}年{place}{focus}交出亮眼成绩单
  聚焦{topic}，{org}发布{count}重点任务
  {focus}这一年：{district}的新变化
`);

export const SUBTITLE_TEMPLATES = words(`
  ——{district}推进{topic}工作综述
  {org}相关负责人答记者问
  {focus}观察之{month}
  {place}全力推进{topic2}
`);

/**
 * Body sentences every article draws from. They carry the words that are common in any
 * regional paper (天津, 发展, 经济); rarer search words live in slots and in the themed lists below.
 */
export const SENTENCE_TEMPLATES = words(`
  {date}，{official}在{district}调研{topic}工作，实地察看{company}生产运营情况。
  {official}强调，要坚持以{topic}为引领，持续推进{topic2}，奋力开创天津经济社会发展新局面。
  据了解，该项目总投资{money}，建成后预计年产值可达{money}，带动就业{people}。
  {date}，{place}召开{focus}工作推进会，{org}等部门负责人参加会议。
  “{quote}”{person}告诉记者。
  记者从{org}获悉，{district}今年将新建{facility}{count}，进一步方便群众生活。
  {company}{exec}{person}表示，公司将加大研发投入，推出新版{tech}产品，更好服务{topic}。
  截至{date}，{district}累计完成{focus}项目{count}，惠及群众{people}。
  下一步，{org}将围绕{topic}，进一步优化{topic2}，推动各项工作落地见效。
  近年来，{district}坚持把{focus}作为重要抓手，探索形成了一批可复制可推广的经验做法。
  {person}是{district}的一名{job}，从事这份工作已有{month}年，见证了社区一点一滴的变化。
  在{place}，一批{tech}应用场景加快落地，{topic}的成色越来越足。
  {org}有关负责人介绍，全市已建成{focus}示范点{count}，覆盖{people}。
  走进{company}的生产车间，智能化生产线正在满负荷运转，工人们正忙着赶制订单。
  “{quote}”在{place}，{person}的话道出了不少市民的心声。
  今年以来，{place}{focus}热度持续攀升，累计接待游客{people}，同比增长{pct}。
  会议指出，要深入推进{topic}，在服务全市发展大局中展现更大作为。
  {district}有关负责人表示，将以{topic}为牵引，加快构建现代化产业体系，推动产业提质增效。
  据统计，{year}年全市{focus}相关投资达到{money}，较上年增长{pct}。
  {official}出席活动并致辞，希望各方携手努力，共同推动{topic}迈上新台阶。
  {date}，{org}联合{district}开展{focus}专项行动，发放宣传资料{count}。
  专家认为，{topic}与{topic2}相互促进，是推动区域协调发展的重要路径。
  {company}相关负责人介绍，企业{tech}平台已接入合作伙伴{count}，年交易额突破{money}。
  活动现场，{person}等{people}参与互动体验，现场气氛热烈。
  {org}提醒广大市民，如遇可疑情况，请及时拨打110或通过官方{channel}反映。
  天津是{topic}的重要承载地，{district}正加快打造{focus}新高地。
  截至目前，{place}已累计引进{topic}领域人才{people}，为产业升级注入新动能。
  从“有没有”到“好不好”，{district}在{focus}上下足了绣花功夫。
  {company}{exec}{person}说，当地良好的营商环境是企业扎根发展的重要原因。
  随着{topic}的深入推进，{place}的城市面貌焕然一新，群众的获得感不断增强。
  {date}上午，{district}政务服务中心人头攒动，前来办理业务的群众通过{tech}自助终端几分钟就完成了申请。
  “过去跑好几趟才能办成的事，现在一次就办好了。”市民{person}一边展示手机上的电子证照一边说。
  作为{topic}的重点项目，{company}二期工程目前已完成主体结构施工，预计年底前投入使用。
  {org}相关负责人表示，将进一步完善{focus}工作机制，推动形成部门协同、上下联动的工作格局。
  {date}，{district}举行{focus}主题活动，{people}参加，现场还设置了咨询服务台和互动体验区。
  在{district}某社区，{job}{person}每天要走访{count}家庭，把政策宣传到群众身边。
  记者注意到，{place}周边新开了多家特色小店，不少年轻人专程前来打卡拍照。
  面对新形势新任务，{org}坚持问题导向，聚焦群众急难愁盼，扎实推进{focus}各项工作。
  据介绍，{district}将在三年内投入{money}，实施{focus}项目{count}，着力补齐民生短板。
  {date}晚，{place}灯光璀璨，{people}市民游客在海河两岸观赏夜景，感受津城独特魅力。
  业内人士分析，{focus}市场正在回暖，{tech}等新技术的应用为行业带来新的增长点。
  {official}指出，要统筹发展和安全，守牢安全生产底线，确保人民群众生命财产安全。
  在天津大学的实验室里，科研团队正在攻关{tech}关键技术，相关成果已在{count}企业转化应用。
  家住{district}的{person}告诉记者，小区改造后加装了电梯，楼道也变得干净整洁，生活更方便了。
  数据显示，今年前{month}个月，全市{metric}同比增长{pct}，{topic}取得明显成效。
`);

/** Cooperation copy (津甘协作, 京津冀): in articles on a cooperation topic and a few others. */
export const COOPERATION_TEMPLATES = words(`
  天津与{province}两地持续深化协作，在{topic}、{topic2}等领域签署合作项目{count}。
  {date}，{province}考察团来津对接{topic}工作，双方就加强产业协作、人才交流等进行深入交流。
  {official}出席活动并致辞，希望各方进一步加强协作，共同推动{topic}迈上新台阶。
  为推动乡村振兴，{district}组织{count}合作社与{province}企业对接，助力特色农产品走出去。
  {province}和天津的合作由来已久，{year}年以来双方互派干部{count}，协作成果丰硕。
  {province}的特色农产品通过天津港走向全国，{year}年销售额突破{money}，带动当地群众增收致富。
  {province}{role}{person}表示，感谢天津长期以来的无私帮助，两地协作的路子越走越宽。
  本次活动由{org}主办，{company}承办，旨在进一步推动{topic}，促进京津冀三地交流合作。
  会议指出，要深入推进{topic}，在京津冀协同发展中展现更大作为。
  天津与甘肃两地持续深化东西部协作，助力巩固拓展脱贫攻坚成果，让群众的日子越过越红火。
`);

/** Figures and Latin terms (CPI, PM2.5, GDP, IPO, CEO, 5G): one or two in a minority of articles. */
export const FIGURE_TEMPLATES = words(`
  国家统计局天津调查总队数据显示，{month}月份天津CPI同比上涨{smallpct}，物价运行总体平稳。
  今年以来，全市PM2.5平均浓度同比下降{pct}，空气质量优良天数达到{count}，创有记录以来最好水平。
  {year}年，天津GDP迈上新台阶，{topic}对经济增长的贡献率持续提升。
  {company}日前成功在科创板IPO，募集资金{money}，将主要用于{tech}研发和产能扩建。
  {company}CEO{person}在接受采访时说，天津在{topic}方面的政策支持力度超出预期。
  记者从{org}获悉，{district}今年将新建5G基站{count}，实现重点区域5G网络全覆盖。
  据介绍，相关APP上线以来，注册用户已突破{people}，日均访问量持续攀升。
`);

/** Match reports, for the sports section. */
export const SPORTS_TEMPLATES = words(`
  在{date}进行的比赛中，{team}队员顽强拼搏，以3比1战胜对手，赢得{month}连胜，继续领跑积分榜。
  {team}主教练{person}赛后表示，球队整体发挥稳定，接下来将针对薄弱环节加强训练。
  本场比赛吸引了{people}球迷到场助威，看台上欢呼声此起彼伏。
  {team}新赛季引进了{count}新援，阵容深度明显增强，球迷对球队前景充满期待。
`);
