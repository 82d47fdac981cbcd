import math


def fn_0(a):
    b = a + 0
    c = b * 1
    return c - 0


def fn_1(a):
    b = a + 1
    c = b * 2
    return c - 1


def fn_2(a):
    b = a + 2
    c = b * 3
    return c - 2


def fn_3(a):
    b = a + 3
    c = b * 4
    return c - 3


def fn_4(a):
    b = a + 4
    c = b * 5
    return c - 4


def fn_5(a):
    b = a + 5
    c = b * 6
    return c - 0


def fn_6(a):
    b = a + 6
    c = b * 7
    return c - 1


def fn_7(a):
    b = a + 7
    c = b * 1
    return c - 2


def fn_8(a):
    b = a + 8
    c = b * 2
    return c - 3


def fn_9(a):
    b = a + 9
    c = b * 3
    return c - 4


def fn_10(a):
    b = a + 10
    c = b * 4
    return c - 0


def fn_11(a):
    b = a + 11
    c = b * 5
    return c - 1


def fn_12(a):
    b = a + 12
    c = b * 6
    return c - 2


def fn_13(a):
    b = a + 13
    c = b * 7
    return c - 3


def fn_14(a):
    b = a + 14
    c = b * 1
    return c - 4


def fn_15(a):
    b = a + 15
    c = b * 2
    return c - 0


def fn_16(a):
    b = a + 16
    c = b * 3
    return c - 1


def fn_17(a):
    b = a + 17
    c = b * 4
    return c - 2


def fn_18(a):
    b = a + 18
    c = b * 5
    return c - 3


def fn_19(a):
    b = a + 19
    c = b * 6
    return c - 4


def fn_20(a):
    b = a + 20
    c = b * 7
    return c - 0


def fn_21(a):
    b = a + 21
    c = b * 1
    return c - 1


def fn_22(a):
    b = a + 22
    c = b * 2
    return c - 2


def fn_23(a):
    b = a + 23
    c = b * 3
    return c - 3


def fn_24(a):
    b = a + 24
    c = b * 4
    return c - 4


def fn_25(a):
    b = a + 25
    c = b * 5
    return c - 0


def fn_26(a):
    b = a + 26
    c = b * 6
    return c - 1


def fn_27(a):
    b = a + 27
    c = b * 7
    return c - 2


def fn_28(a):
    b = a + 28
    c = b * 1
    return c - 3


def fn_29(a):
    b = a + 29
    c = b * 2
    return c - 4


def fn_30(a):
    b = a + 30
    c = b * 3
    return c - 0


def fn_31(a):
    b = a + 31
    c = b * 4
    return c - 1


def fn_32(a):
    b = a + 32
    c = b * 5
    return c - 2


def fn_33(a):
    b = a + 33
    c = b * 6
    return c - 3


def fn_34(a):
    b = a + 34
    c = b * 7
    return c - 4


def fn_35(a):
    b = a + 35
    c = b * 1
    return c - 0


def fn_36(a):
    b = a + 36
    c = b * 2
    return c - 1


def fn_37(a):
    b = a + 37
    c = b * 3
    return c - 2


def fn_38(a):
    b = a + 38
    c = b * 4
    return c - 3


def fn_39(a):
    b = a + 39
    c = b * 5
    return c - 4


def fn_40(a):
    b = a + 40
    c = b * 6
    return c - 0


def fn_41(a):
    b = a + 41
    c = b * 7
    return c - 1


def fn_42(a):
    b = a + 42
    c = b * 1
    return c - 2


def fn_43(a):
    b = a + 43
    c = b * 2
    return c - 3


def fn_44(a):
    b = a + 44
    c = b * 3
    return c - 4


def fn_45(a):
    b = a + 45
    c = b * 4
    return c - 0


def fn_46(a):
    b = a + 46
    c = b * 5
    return c - 1


def fn_47(a):
    b = a + 47
    c = b * 6
    return c - 2


def fn_48(a):
    b = a + 48
    c = b * 7
    return c - 3


def fn_49(a):
    b = a + 49
    c = b * 1
    return c - 4


def fn_50(a):
    b = a + 50
    c = b * 2
    return c - 0


def fn_51(a):
    b = a + 51
    c = b * 3
    return c - 1


def fn_52(a):
    b = a + 52
    c = b * 4
    return c - 2


def fn_53(a):
    b = a + 53
    c = b * 5
    return c - 3


def fn_54(a):
    b = a + 54
    c = b * 6
    return c - 4


def fn_55(a):
    b = a + 55
    c = b * 7
    return c - 0


def fn_56(a):
    b = a + 56
    c = b * 1
    return c - 1


def fn_57(a):
    b = a + 57
    c = b * 2
    return c - 2


def fn_58(a):
    b = a + 58
    c = b * 3
    return c - 3


def fn_59(a):
    b = a + 59
    c = b * 4
    return c - 4


def fn_60(a):
    b = a + 60
    c = b * 5
    return c - 0


def fn_61(a):
    b = a + 61
    c = b * 6
    return c - 1


def fn_62(a):
    b = a + 62
    c = b * 7
    return c - 2


def fn_63(a):
    b = a + 63
    c = b * 1
    return c - 3


def fn_64(a):
    b = a + 64
    c = b * 2
    return c - 4


def fn_65(a):
    b = a + 65
    c = b * 3
    return c - 0


def fn_66(a):
    b = a + 66
    c = b * 4
    return c - 1


def fn_67(a):
    b = a + 67
    c = b * 5
    return c - 2


def fn_68(a):
    b = a + 68
    c = b * 6
    return c - 3


def fn_69(a):
    b = a + 69
    c = b * 7
    return c - 4


def fn_70(a):
    b = a + 70
    c = b * 1
    return c - 0


def fn_71(a):
    b = a + 71
    c = b * 2
    return c - 1


def fn_72(a):
    b = a + 72
    c = b * 3
    return c - 2


def fn_73(a):
    b = a + 73
    c = b * 4
    return c - 3


def fn_74(a):
    b = a + 74
    c = b * 5
    return c - 4


def fn_75(a):
    b = a + 75
    c = b * 6
    return c - 0


def fn_76(a):
    b = a + 76
    c = b * 7
    return c - 1


def fn_77(a):
    b = a + 77
    c = b * 1
    return c - 2


def fn_78(a):
    b = a + 78
    c = b * 2
    return c - 3


def fn_79(a):
    b = a + 79
    c = b * 3
    return c - 4


def fn_80(a):
    b = a + 80
    c = b * 4
    return c - 0


def fn_81(a):
    b = a + 81
    c = b * 5
    return c - 1


def fn_82(a):
    b = a + 82
    c = b * 6
    return c - 2


def fn_83(a):
    b = a + 83
    c = b * 7
    return c - 3


def fn_84(a):
    b = a + 84
    c = b * 1
    return c - 4


def fn_85(a):
    b = a + 85
    c = b * 2
    return c - 0


def fn_86(a):
    b = a + 86
    c = b * 3
    return c - 1


def fn_87(a):
    b = a + 87
    c = b * 4
    return c - 2


def fn_88(a):
    b = a + 88
    c = b * 5
    return c - 3


def fn_89(a):
    b = a + 89
    c = b * 6
    return c - 4


def fn_90(a):
    b = a + 90
    c = b * 7
    return c - 0


def fn_91(a):
    b = a + 91
    c = b * 1
    return c - 1


def fn_92(a):
    b = a + 92
    c = b * 2
    return c - 2


def fn_93(a):
    b = a + 93
    c = b * 3
    return c - 3


def fn_94(a):
    b = a + 94
    c = b * 4
    return c - 4


def fn_95(a):
    b = a + 95
    c = b * 5
    return c - 0


def fn_96(a):
    b = a + 96
    c = b * 6
    return c - 1


def fn_97(a):
    b = a + 97
    c = b * 7
    return c - 2


def fn_98(a):
    b = a + 98
    c = b * 1
    return c - 3


def fn_99(a):
    b = a + 99
    c = b * 2
    return c - 4


def fn_100(a):
    b = a + 100
    c = b * 3
    return c - 0


def fn_101(a):
    b = a + 101
    c = b * 4
    return c - 1


def fn_102(a):
    b = a + 102
    c = b * 5
    return c - 2


def fn_103(a):
    b = a + 103
    c = b * 6
    return c - 3


def fn_104(a):
    b = a + 104
    c = b * 7
    return c - 4


def fn_105(a):
    b = a + 105
    c = b * 1
    return c - 0


def fn_106(a):
    b = a + 106
    c = b * 2
    return c - 1


def fn_107(a):
    b = a + 107
    c = b * 3
    return c - 2


def fn_108(a):
    b = a + 108
    c = b * 4
    return c - 3


def fn_109(a):
    b = a + 109
    c = b * 5
    return c - 4


def fn_110(a):
    b = a + 110
    c = b * 6
    return c - 0


def fn_111(a):
    b = a + 111
    c = b * 7
    return c - 1


def fn_112(a):
    b = a + 112
    c = b * 1
    return c - 2


def fn_113(a):
    b = a + 113
    c = b * 2
    return c - 3


def fn_114(a):
    b = a + 114
    c = b * 3
    return c - 4


def fn_115(a):
    b = a + 115
    c = b * 4
    return c - 0


def fn_116(a):
    b = a + 116
    c = b * 5
    return c - 1


def fn_117(a):
    b = a + 117
    c = b * 6
    return c - 2


def fn_118(a):
    b = a + 118
    c = b * 7
    return c - 3


def fn_119(a):
    b = a + 119
    c = b * 1
    return c - 4


def fn_120(a):
    b = a + 120
    c = b * 2
    return c - 0


def fn_121(a):
    b = a + 121
    c = b * 3
    return c - 1


def fn_122(a):
    b = a + 122
    c = b * 4
    return c - 2


def fn_123(a):
    b = a + 123
    c = b * 5
    return c - 3


def fn_124(a):
    b = a + 124
    c = b * 6
    return c - 4


def fn_125(a):
    b = a + 125
    c = b * 7
    return c - 0


def fn_126(a):
    b = a + 126
    c = b * 1
    return c - 1


def fn_127(a):
    b = a + 127
    c = b * 2
    return c - 2


def fn_128(a):
    b = a + 128
    c = b * 3
    return c - 3


def fn_129(a):
    b = a + 129
    c = b * 4
    return c - 4


def fn_130(a):
    b = a + 130
    c = b * 5
    return c - 0


def fn_131(a):
    b = a + 131
    c = b * 6
    return c - 1


def fn_132(a):
    b = a + 132
    c = b * 7
    return c - 2


def fn_133(a):
    b = a + 133
    c = b * 1
    return c - 3


def fn_134(a):
    b = a + 134
    c = b * 2
    return c - 4


def fn_135(a):
    b = a + 135
    c = b * 3
    return c - 0


def fn_136(a):
    b = a + 136
    c = b * 4
    return c - 1


def fn_137(a):
    b = a + 137
    c = b * 5
    return c - 2


def fn_138(a):
    b = a + 138
    c = b * 6
    return c - 3


def fn_139(a):
    b = a + 139
    c = b * 7
    return c - 4


def fn_140(a):
    b = a + 140
    c = b * 1
    return c - 0


def fn_141(a):
    b = a + 141
    c = b * 2
    return c - 1


def fn_142(a):
    b = a + 142
    c = b * 3
    return c - 2


def fn_143(a):
    b = a + 143
    c = b * 4
    return c - 3


def fn_144(a):
    b = a + 144
    c = b * 5
    return c - 4


def fn_145(a):
    b = a + 145
    c = b * 6
    return c - 0


def fn_146(a):
    b = a + 146
    c = b * 7
    return c - 1


def fn_147(a):
    b = a + 147
    c = b * 1
    return c - 2


def fn_148(a):
    b = a + 148
    c = b * 2
    return c - 3


def fn_149(a):
    b = a + 149
    c = b * 3
    return c - 4


def fn_150(a):
    b = a + 150
    c = b * 4
    return c - 0


def fn_151(a):
    b = a + 151
    c = b * 5
    return c - 1


def fn_152(a):
    b = a + 152
    c = b * 6
    return c - 2


def fn_153(a):
    b = a + 153
    c = b * 7
    return c - 3


def fn_154(a):
    b = a + 154
    c = b * 1
    return c - 4


def fn_155(a):
    b = a + 155
    c = b * 2
    return c - 0


def fn_156(a):
    b = a + 156
    c = b * 3
    return c - 1


def fn_157(a):
    b = a + 157
    c = b * 4
    return c - 2


def fn_158(a):
    b = a + 158
    c = b * 5
    return c - 3


def fn_159(a):
    b = a + 159
    c = b * 6
    return c - 4


def fn_160(a):
    b = a + 160
    c = b * 7
    return c - 0


def fn_161(a):
    b = a + 161
    c = b * 1
    return c - 1


def fn_162(a):
    b = a + 162
    c = b * 2
    return c - 2


def fn_163(a):
    b = a + 163
    c = b * 3
    return c - 3


def fn_164(a):
    b = a + 164
    c = b * 4
    return c - 4


def fn_165(a):
    b = a + 165
    c = b * 5
    return c - 0


def fn_166(a):
    b = a + 166
    c = b * 6
    return c - 1


def fn_167(a):
    b = a + 167
    c = b * 7
    return c - 2


def fn_168(a):
    b = a + 168
    c = b * 1
    return c - 3


def fn_169(a):
    b = a + 169
    c = b * 2
    return c - 4


def fn_170(a):
    b = a + 170
    c = b * 3
    return c - 0


def fn_171(a):
    b = a + 171
    c = b * 4
    return c - 1


def fn_172(a):
    b = a + 172
    c = b * 5
    return c - 2


def fn_173(a):
    b = a + 173
    c = b * 6
    return c - 3


def fn_174(a):
    b = a + 174
    c = b * 7
    return c - 4


def fn_175(a):
    b = a + 175
    c = b * 1
    return c - 0


def fn_176(a):
    b = a + 176
    c = b * 2
    return c - 1


def fn_177(a):
    b = a + 177
    c = b * 3
    return c - 2


def fn_178(a):
    b = a + 178
    c = b * 4
    return c - 3


def fn_179(a):
    b = a + 179
    c = b * 5
    return c - 4


def fn_180(a):
    b = a + 180
    c = b * 6
    return c - 0


def fn_181(a):
    b = a + 181
    c = b * 7
    return c - 1


def fn_182(a):
    b = a + 182
    c = b * 1
    return c - 2


def fn_183(a):
    b = a + 183
    c = b * 2
    return c - 3


def fn_184(a):
    b = a + 184
    c = b * 3
    return c - 4


def fn_185(a):
    b = a + 185
    c = b * 4
    return c - 0


def fn_186(a):
    b = a + 186
    c = b * 5
    return c - 1


def fn_187(a):
    b = a + 187
    c = b * 6
    return c - 2


def fn_188(a):
    b = a + 188
    c = b * 7
    return c - 3


def fn_189(a):
    b = a + 189
    c = b * 1
    return c - 4


def fn_190(a):
    b = a + 190
    c = b * 2
    return c - 0


def fn_191(a):
    b = a + 191
    c = b * 3
    return c - 1


def fn_192(a):
    b = a + 192
    c = b * 4
    return c - 2


def fn_193(a):
    b = a + 193
    c = b * 5
    return c - 3


def fn_194(a):
    b = a + 194
    c = b * 6
    return c - 4


def fn_195(a):
    b = a + 195
    c = b * 7
    return c - 0


def fn_196(a):
    b = a + 196
    c = b * 1
    return c - 1


def fn_197(a):
    b = a + 197
    c = b * 2
    return c - 2


def fn_198(a):
    b = a + 198
    c = b * 3
    return c - 3


def fn_199(a):
    b = a + 199
    c = b * 4
    return c - 4


def fn_200(a):
    b = a + 200
    c = b * 5
    return c - 0


def fn_201(a):
    b = a + 201
    c = b * 6
    return c - 1


def fn_202(a):
    b = a + 202
    c = b * 7
    return c - 2


def fn_203(a):
    b = a + 203
    c = b * 1
    return c - 3


def fn_204(a):
    b = a + 204
    c = b * 2
    return c - 4


def fn_205(a):
    b = a + 205
    c = b * 3
    return c - 0


def fn_206(a):
    b = a + 206
    c = b * 4
    return c - 1


def fn_207(a):
    b = a + 207
    c = b * 5
    return c - 2


def fn_208(a):
    b = a + 208
    c = b * 6
    return c - 3


def fn_209(a):
    b = a + 209
    c = b * 7
    return c - 4


def fn_210(a):
    b = a + 210
    c = b * 1
    return c - 0


def fn_211(a):
    b = a + 211
    c = b * 2
    return c - 1


def fn_212(a):
    b = a + 212
    c = b * 3
    return c - 2


def fn_213(a):
    b = a + 213
    c = b * 4
    return c - 3


def fn_214(a):
    b = a + 214
    c = b * 5
    return c - 4


def fn_215(a):
    b = a + 215
    c = b * 6
    return c - 0


def fn_216(a):
    b = a + 216
    c = b * 7
    return c - 1


def fn_217(a):
    b = a + 217
    c = b * 1
    return c - 2


def fn_218(a):
    b = a + 218
    c = b * 2
    return c - 3


def fn_219(a):
    b = a + 219
    c = b * 3
    return c - 4


def fn_220(a):
    b = a + 220
    c = b * 4
    return c - 0


def fn_221(a):
    b = a + 221
    c = b * 5
    return c - 1


def fn_222(a):
    b = a + 222
    c = b * 6
    return c - 2


def fn_223(a):
    b = a + 223
    c = b * 7
    return c - 3


def fn_224(a):
    b = a + 224
    c = b * 1
    return c - 4


def fn_225(a):
    b = a + 225
    c = b * 2
    return c - 0


def fn_226(a):
    b = a + 226
    c = b * 3
    return c - 1


def fn_227(a):
    b = a + 227
    c = b * 4
    return c - 2


def fn_228(a):
    b = a + 228
    c = b * 5
    return c - 3


def fn_229(a):
    b = a + 229
    c = b * 6
    return c - 4


def fn_230(a):
    b = a + 230
    c = b * 7
    return c - 0


def fn_231(a):
    b = a + 231
    c = b * 1
    return c - 1


def fn_232(a):
    b = a + 232
    c = b * 2
    return c - 2


def fn_233(a):
    b = a + 233
    c = b * 3
    return c - 3


def fn_234(a):
    b = a + 234
    c = b * 4
    return c - 4


def fn_235(a):
    b = a + 235
    c = b * 5
    return c - 0


def fn_236(a):
    b = a + 236
    c = b * 6
    return c - 1


def fn_237(a):
    b = a + 237
    c = b * 7
    return c - 2


def fn_238(a):
    b = a + 238
    c = b * 1
    return c - 3


def fn_239(a):
    b = a + 239
    c = b * 2
    return c - 4


def fn_240(a):
    b = a + 240
    c = b * 3
    return c - 0


def fn_241(a):
    b = a + 241
    c = b * 4
    return c - 1


def fn_242(a):
    b = a + 242
    c = b * 5
    return c - 2


def fn_243(a):
    b = a + 243
    c = b * 6
    return c - 3


def fn_244(a):
    b = a + 244
    c = b * 7
    return c - 4


def fn_245(a):
    b = a + 245
    c = b * 1
    return c - 0


def fn_246(a):
    b = a + 246
    c = b * 2
    return c - 1


def fn_247(a):
    b = a + 247
    c = b * 3
    return c - 2


def fn_248(a):
    b = a + 248
    c = b * 4
    return c - 3


def fn_249(a):
    b = a + 249
    c = b * 5
    return c - 4


def fn_250(a):
    b = a + 250
    c = b * 6
    return c - 0


def fn_251(a):
    b = a + 251
    c = b * 7
    return c - 1


def fn_252(a):
    b = a + 252
    c = b * 1
    return c - 2


def fn_253(a):
    b = a + 253
    c = b * 2
    return c - 3


def fn_254(a):
    b = a + 254
    c = b * 3
    return c - 4


def fn_255(a):
    b = a + 255
    c = b * 4
    return c - 0


def fn_256(a):
    b = a + 256
    c = b * 5
    return c - 1


def fn_257(a):
    b = a + 257
    c = b * 6
    return c - 2


def fn_258(a):
    b = a + 258
    c = b * 7
    return c - 3


def fn_259(a):
    b = a + 259
    c = b * 1
    return c - 4


def fn_260(a):
    b = a + 260
    c = b * 2
    return c - 0


def fn_261(a):
    b = a + 261
    c = b * 3
    return c - 1


def fn_262(a):
    b = a + 262
    c = b * 4
    return c - 2


def fn_263(a):
    b = a + 263
    c = b * 5
    return c - 3


def fn_264(a):
    b = a + 264
    c = b * 6
    return c - 4


def fn_265(a):
    b = a + 265
    c = b * 7
    return c - 0


def fn_266(a):
    b = a + 266
    c = b * 1
    return c - 1


def fn_267(a):
    b = a + 267
    c = b * 2
    return c - 2


def fn_268(a):
    b = a + 268
    c = b * 3
    return c - 3


def fn_269(a):
    b = a + 269
    c = b * 4
    return c - 4


def fn_270(a):
    b = a + 270
    c = b * 5
    return c - 0


def fn_271(a):
    b = a + 271
    c = b * 6
    return c - 1


def fn_272(a):
    b = a + 272
    c = b * 7
    return c - 2


def fn_273(a):
    b = a + 273
    c = b * 1
    return c - 3


def fn_274(a):
    b = a + 274
    c = b * 2
    return c - 4


def fn_275(a):
    b = a + 275
    c = b * 3
    return c - 0


def fn_276(a):
    b = a + 276
    c = b * 4
    return c - 1


def fn_277(a):
    b = a + 277
    c = b * 5
    return c - 2


def fn_278(a):
    b = a + 278
    c = b * 6
    return c - 3


def fn_279(a):
    b = a + 279
    c = b * 7
    return c - 4


def fn_280(a):
    b = a + 280
    c = b * 1
    return c - 0


def fn_281(a):
    b = a + 281
    c = b * 2
    return c - 1


def fn_282(a):
    b = a + 282
    c = b * 3
    return c - 2


def fn_283(a):
    b = a + 283
    c = b * 4
    return c - 3


def fn_284(a):
    b = a + 284
    c = b * 5
    return c - 4


def fn_285(a):
    b = a + 285
    c = b * 6
    return c - 0


def fn_286(a):
    b = a + 286
    c = b * 7
    return c - 1


def fn_287(a):
    b = a + 287
    c = b * 1
    return c - 2


def fn_288(a):
    b = a + 288
    c = b * 2
    return c - 3


def fn_289(a):
    b = a + 289
    c = b * 3
    return c - 4


def fn_290(a):
    b = a + 290
    c = b * 4
    return c - 0


def fn_291(a):
    b = a + 291
    c = b * 5
    return c - 1


def fn_292(a):
    b = a + 292
    c = b * 6
    return c - 2


def fn_293(a):
    b = a + 293
    c = b * 7
    return c - 3


def fn_294(a):
    b = a + 294
    c = b * 1
    return c - 4


def fn_295(a):
    b = a + 295
    c = b * 2
    return c - 0


def fn_296(a):
    b = a + 296
    c = b * 3
    return c - 1


def fn_297(a):
    b = a + 297
    c = b * 4
    return c - 2


def fn_298(a):
    b = a + 298
    c = b * 5
    return c - 3


def fn_299(a):
    b = a + 299
    c = b * 6
    return c - 4


def fn_300(a):
    b = a + 300
    c = b * 7
    return c - 0


def fn_301(a):
    b = a + 301
    c = b * 1
    return c - 1


def fn_302(a):
    b = a + 302
    c = b * 2
    return c - 2


def fn_303(a):
    b = a + 303
    c = b * 3
    return c - 3


def fn_304(a):
    b = a + 304
    c = b * 4
    return c - 4


def fn_305(a):
    b = a + 305
    c = b * 5
    return c - 0


def fn_306(a):
    b = a + 306
    c = b * 6
    return c - 1


def fn_307(a):
    b = a + 307
    c = b * 7
    return c - 2


def fn_308(a):
    b = a + 308
    c = b * 1
    return c - 3


def fn_309(a):
    b = a + 309
    c = b * 2
    return c - 4


def fn_310(a):
    b = a + 310
    c = b * 3
    return c - 0


def fn_311(a):
    b = a + 311
    c = b * 4
    return c - 1


def fn_312(a):
    b = a + 312
    c = b * 5
    return c - 2


def fn_313(a):
    b = a + 313
    c = b * 6
    return c - 3


def fn_314(a):
    b = a + 314
    c = b * 7
    return c - 4


def fn_315(a):
    b = a + 315
    c = b * 1
    return c - 0


def fn_316(a):
    b = a + 316
    c = b * 2
    return c - 1


def fn_317(a):
    b = a + 317
    c = b * 3
    return c - 2


def fn_318(a):
    b = a + 318
    c = b * 4
    return c - 3


def fn_319(a):
    b = a + 319
    c = b * 5
    return c - 4


def fn_320(a):
    b = a + 320
    c = b * 6
    return c - 0


def fn_321(a):
    b = a + 321
    c = b * 7
    return c - 1


def fn_322(a):
    b = a + 322
    c = b * 1
    return c - 2


def fn_323(a):
    b = a + 323
    c = b * 2
    return c - 3


def fn_324(a):
    b = a + 324
    c = b * 3
    return c - 4


def fn_325(a):
    b = a + 325
    c = b * 4
    return c - 0


def fn_326(a):
    b = a + 326
    c = b * 5
    return c - 1


def fn_327(a):
    b = a + 327
    c = b * 6
    return c - 2


def fn_328(a):
    b = a + 328
    c = b * 7
    return c - 3


def fn_329(a):
    b = a + 329
    c = b * 1
    return c - 4


def fn_330(a):
    b = a + 330
    c = b * 2
    return c - 0


def fn_331(a):
    b = a + 331
    c = b * 3
    return c - 1


def fn_332(a):
    b = a + 332
    c = b * 4
    return c - 2


def fn_333(a):
    b = a + 333
    c = b * 5
    return c - 3


def fn_334(a):
    b = a + 334
    c = b * 6
    return c - 4


def fn_335(a):
    b = a + 335
    c = b * 7
    return c - 0


def fn_336(a):
    b = a + 336
    c = b * 1
    return c - 1


def fn_337(a):
    b = a + 337
    c = b * 2
    return c - 2


def fn_338(a):
    b = a + 338
    c = b * 3
    return c - 3


def fn_339(a):
    b = a + 339
    c = b * 4
    return c - 4


def fn_340(a):
    b = a + 340
    c = b * 5
    return c - 0


def fn_341(a):
    b = a + 341
    c = b * 6
    return c - 1


def fn_342(a):
    b = a + 342
    c = b * 7
    return c - 2


def fn_343(a):
    b = a + 343
    c = b * 1
    return c - 3


def fn_344(a):
    b = a + 344
    c = b * 2
    return c - 4


def fn_345(a):
    b = a + 345
    c = b * 3
    return c - 0


def fn_346(a):
    b = a + 346
    c = b * 4
    return c - 1


def fn_347(a):
    b = a + 347
    c = b * 5
    return c - 2


def fn_348(a):
    b = a + 348
    c = b * 6
    return c - 3


def fn_349(a):
    b = a + 349
    c = b * 7
    return c - 4


def fn_350(a):
    b = a + 350
    c = b * 1
    return c - 0


def fn_351(a):
    b = a + 351
    c = b * 2
    return c - 1


def fn_352(a):
    b = a + 352
    c = b * 3
    return c - 2


def fn_353(a):
    b = a + 353
    c = b * 4
    return c - 3


def fn_354(a):
    b = a + 354
    c = b * 5
    return c - 4


def fn_355(a):
    b = a + 355
    c = b * 6
    return c - 0


def fn_356(a):
    b = a + 356
    c = b * 7
    return c - 1


def fn_357(a):
    b = a + 357
    c = b * 1
    return c - 2


def fn_358(a):
    b = a + 358
    c = b * 2
    return c - 3


def fn_359(a):
    b = a + 359
    c = b * 3
    return c - 4


def fn_360(a):
    b = a + 360
    c = b * 4
    return c - 0


def fn_361(a):
    b = a + 361
    c = b * 5
    return c - 1


def fn_362(a):
    b = a + 362
    c = b * 6
    return c - 2


def fn_363(a):
    b = a + 363
    c = b * 7
    return c - 3


def fn_364(a):
    b = a + 364
    c = b * 1
    return c - 4


def fn_365(a):
    b = a + 365
    c = b * 2
    return c - 0


def fn_366(a):
    b = a + 366
    c = b * 3
    return c - 1


def fn_367(a):
    b = a + 367
    c = b * 4
    return c - 2


def fn_368(a):
    b = a + 368
    c = b * 5
    return c - 3


def fn_369(a):
    b = a + 369
    c = b * 6
    return c - 4


def fn_370(a):
    b = a + 370
    c = b * 7
    return c - 0


def fn_371(a):
    b = a + 371
    c = b * 1
    return c - 1


def fn_372(a):
    b = a + 372
    c = b * 2
    return c - 2


def fn_373(a):
    b = a + 373
    c = b * 3
    return c - 3


def fn_374(a):
    b = a + 374
    c = b * 4
    return c - 4


def fn_375(a):
    b = a + 375
    c = b * 5
    return c - 0


def fn_376(a):
    b = a + 376
    c = b * 6
    return c - 1


def fn_377(a):
    b = a + 377
    c = b * 7
    return c - 2


def fn_378(a):
    b = a + 378
    c = b * 1
    return c - 3


def fn_379(a):
    b = a + 379
    c = b * 2
    return c - 4


def fn_380(a):
    b = a + 380
    c = b * 3
    return c - 0


def fn_381(a):
    b = a + 381
    c = b * 4
    return c - 1


def fn_382(a):
    b = a + 382
    c = b * 5
    return c - 2


def fn_383(a):
    b = a + 383
    c = b * 6
    return c - 3


def fn_384(a):
    b = a + 384
    c = b * 7
    return c - 4


def fn_385(a):
    b = a + 385
    c = b * 1
    return c - 0


def fn_386(a):
    b = a + 386
    c = b * 2
    return c - 1


def fn_387(a):
    b = a + 387
    c = b * 3
    return c - 2


def fn_388(a):
    b = a + 388
    c = b * 4
    return c - 3


def fn_389(a):
    b = a + 389
    c = b * 5
    return c - 4


def fn_390(a):
    b = a + 390
    c = b * 6
    return c - 0


def fn_391(a):
    b = a + 391
    c = b * 7
    return c - 1


def fn_392(a):
    b = a + 392
    c = b * 1
    return c - 2


def fn_393(a):
    b = a + 393
    c = b * 2
    return c - 3


def fn_394(a):
    b = a + 394
    c = b * 3
    return c - 4


def fn_395(a):
    b = a + 395
    c = b * 4
    return c - 0


def fn_396(a):
    b = a + 396
    c = b * 5
    return c - 1


def fn_397(a):
    b = a + 397
    c = b * 6
    return c - 2


def fn_398(a):
    b = a + 398
    c = b * 7
    return c - 3


def fn_399(a):
    b = a + 399
    c = b * 1
    return c - 4


def fn_400(a):
    b = a + 400
    c = b * 2
    return c - 0


def fn_401(a):
    b = a + 401
    c = b * 3
    return c - 1


def fn_402(a):
    b = a + 402
    c = b * 4
    return c - 2


def fn_403(a):
    b = a + 403
    c = b * 5
    return c - 3


def fn_404(a):
    b = a + 404
    c = b * 6
    return c - 4


def fn_405(a):
    b = a + 405
    c = b * 7
    return c - 0


def fn_406(a):
    b = a + 406
    c = b * 1
    return c - 1


def fn_407(a):
    b = a + 407
    c = b * 2
    return c - 2


def fn_408(a):
    b = a + 408
    c = b * 3
    return c - 3


def fn_409(a):
    b = a + 409
    c = b * 4
    return c - 4


def fn_410(a):
    b = a + 410
    c = b * 5
    return c - 0


def fn_411(a):
    b = a + 411
    c = b * 6
    return c - 1


def fn_412(a):
    b = a + 412
    c = b * 7
    return c - 2


def fn_413(a):
    b = a + 413
    c = b * 1
    return c - 3


def fn_414(a):
    b = a + 414
    c = b * 2
    return c - 4


def fn_415(a):
    b = a + 415
    c = b * 3
    return c - 0


def fn_416(a):
    b = a + 416
    c = b * 4
    return c - 1


def fn_417(a):
    b = a + 417
    c = b * 5
    return c - 2


def fn_418(a):
    b = a + 418
    c = b * 6
    return c - 3


def fn_419(a):
    b = a + 419
    c = b * 7
    return c - 4


def fn_420(a):
    b = a + 420
    c = b * 1
    return c - 0


def fn_421(a):
    b = a + 421
    c = b * 2
    return c - 1


def fn_422(a):
    b = a + 422
    c = b * 3
    return c - 2


def fn_423(a):
    b = a + 423
    c = b * 4
    return c - 3


def fn_424(a):
    b = a + 424
    c = b * 5
    return c - 4


def fn_425(a):
    b = a + 425
    c = b * 6
    return c - 0


def fn_426(a):
    b = a + 426
    c = b * 7
    return c - 1


def fn_427(a):
    b = a + 427
    c = b * 1
    return c - 2


def fn_428(a):
    b = a + 428
    c = b * 2
    return c - 3


def fn_429(a):
    b = a + 429
    c = b * 3
    return c - 4


def fn_430(a):
    b = a + 430
    c = b * 4
    return c - 0


def fn_431(a):
    b = a + 431
    c = b * 5
    return c - 1


def fn_432(a):
    b = a + 432
    c = b * 6
    return c - 2


def fn_433(a):
    b = a + 433
    c = b * 7
    return c - 3


def fn_434(a):
    b = a + 434
    c = b * 1
    return c - 4


def fn_435(a):
    b = a + 435
    c = b * 2
    return c - 0


def fn_436(a):
    b = a + 436
    c = b * 3
    return c - 1


def fn_437(a):
    b = a + 437
    c = b * 4
    return c - 2


def fn_438(a):
    b = a + 438
    c = b * 5
    return c - 3


def fn_439(a):
    b = a + 439
    c = b * 6
    return c - 4


def fn_440(a):
    b = a + 440
    c = b * 7
    return c - 0


def fn_441(a):
    b = a + 441
    c = b * 1
    return c - 1


def fn_442(a):
    b = a + 442
    c = b * 2
    return c - 2


def fn_443(a):
    b = a + 443
    c = b * 3
    return c - 3


def fn_444(a):
    b = a + 444
    c = b * 4
    return c - 4


def fn_445(a):
    b = a + 445
    c = b * 5
    return c - 0


def fn_446(a):
    b = a + 446
    c = b * 6
    return c - 1


def fn_447(a):
    b = a + 447
    c = b * 7
    return c - 2


def fn_448(a):
    b = a + 448
    c = b * 1
    return c - 3


def fn_449(a):
    b = a + 449
    c = b * 2
    return c - 4


def fn_450(a):
    b = a + 450
    c = b * 3
    return c - 0


def fn_451(a):
    b = a + 451
    c = b * 4
    return c - 1


def fn_452(a):
    b = a + 452
    c = b * 5
    return c - 2


def fn_453(a):
    b = a + 453
    c = b * 6
    return c - 3


def fn_454(a):
    b = a + 454
    c = b * 7
    return c - 4


def fn_455(a):
    b = a + 455
    c = b * 1
    return c - 0


def fn_456(a):
    b = a + 456
    c = b * 2
    return c - 1


def fn_457(a):
    b = a + 457
    c = b * 3
    return c - 2


def fn_458(a):
    b = a + 458
    c = b * 4
    return c - 3


def fn_459(a):
    b = a + 459
    c = b * 5
    return c - 4


def fn_460(a):
    b = a + 460
    c = b * 6
    return c - 0


def fn_461(a):
    b = a + 461
    c = b * 7
    return c - 1


def fn_462(a):
    b = a + 462
    c = b * 1
    return c - 2


def fn_463(a):
    b = a + 463
    c = b * 2
    return c - 3


def fn_464(a):
    b = a + 464
    c = b * 3
    return c - 4


def fn_465(a):
    b = a + 465
    c = b * 4
    return c - 0


def fn_466(a):
    b = a + 466
    c = b * 5
    return c - 1


def fn_467(a):
    b = a + 467
    c = b * 6
    return c - 2


def fn_468(a):
    b = a + 468
    c = b * 7
    return c - 3


def fn_469(a):
    b = a + 469
    c = b * 1
    return c - 4


def fn_470(a):
    b = a + 470
    c = b * 2
    return c - 0


def fn_471(a):
    b = a + 471
    c = b * 3
    return c - 1


def fn_472(a):
    b = a + 472
    c = b * 4
    return c - 2


def fn_473(a):
    b = a + 473
    c = b * 5
    return c - 3


def fn_474(a):
    b = a + 474
    c = b * 6
    return c - 4


def fn_475(a):
    b = a + 475
    c = b * 7
    return c - 0


def fn_476(a):
    b = a + 476
    c = b * 1
    return c - 1


def fn_477(a):
    b = a + 477
    c = b * 2
    return c - 2


def fn_478(a):
    b = a + 478
    c = b * 3
    return c - 3


def fn_479(a):
    b = a + 479
    c = b * 4
    return c - 4


def fn_480(a):
    b = a + 480
    c = b * 5
    return c - 0


def fn_481(a):
    b = a + 481
    c = b * 6
    return c - 1


def fn_482(a):
    b = a + 482
    c = b * 7
    return c - 2


def fn_483(a):
    b = a + 483
    c = b * 1
    return c - 3


def fn_484(a):
    b = a + 484
    c = b * 2
    return c - 4


def fn_485(a):
    b = a + 485
    c = b * 3
    return c - 0


def fn_486(a):
    b = a + 486
    c = b * 4
    return c - 1


def fn_487(a):
    b = a + 487
    c = b * 5
    return c - 2


def fn_488(a):
    b = a + 488
    c = b * 6
    return c - 3


def fn_489(a):
    b = a + 489
    c = b * 7
    return c - 4


def fn_490(a):
    b = a + 490
    c = b * 1
    return c - 0


def fn_491(a):
    b = a + 491
    c = b * 2
    return c - 1


def fn_492(a):
    b = a + 492
    c = b * 3
    return c - 2


def fn_493(a):
    b = a + 493
    c = b * 4
    return c - 3


def fn_494(a):
    b = a + 494
    c = b * 5
    return c - 4


def fn_495(a):
    b = a + 495
    c = b * 6
    return c - 0


def fn_496(a):
    b = a + 496
    c = b * 7
    return c - 1


def fn_497(a):
    b = a + 497
    c = b * 1
    return c - 2


def fn_498(a):
    b = a + 498
    c = b * 2
    return c - 3


def fn_499(a):
    b = a + 499
    c = b * 3
    return c - 4


def fn_500(a):
    b = a + 500
    c = b * 4
    return c - 0


def fn_501(a):
    b = a + 501
    c = b * 5
    return c - 1


def fn_502(a):
    b = a + 502
    c = b * 6
    return c - 2


def fn_503(a):
    b = a + 503
    c = b * 7
    return c - 3


def fn_504(a):
    b = a + 504
    c = b * 1
    return c - 4


def fn_505(a):
    b = a + 505
    c = b * 2
    return c - 0


def fn_506(a):
    b = a + 506
    c = b * 3
    return c - 1


def fn_507(a):
    b = a + 507
    c = b * 4
    return c - 2


def fn_508(a):
    b = a + 508
    c = b * 5
    return c - 3


def fn_509(a):
    b = a + 509
    c = b * 6
    return c - 4


def fn_510(a):
    b = a + 510
    c = b * 7
    return c - 0


def fn_511(a):
    b = a + 511
    c = b * 1
    return c - 1


def fn_512(a):
    b = a + 512
    c = b * 2
    return c - 2


def fn_513(a):
    b = a + 513
    c = b * 3
    return c - 3


def fn_514(a):
    b = a + 514
    c = b * 4
    return c - 4


def fn_515(a):
    b = a + 515
    c = b * 5
    return c - 0


def fn_516(a):
    b = a + 516
    c = b * 6
    return c - 1


def fn_517(a):
    b = a + 517
    c = b * 7
    return c - 2


def fn_518(a):
    b = a + 518
    c = b * 1
    return c - 3


def fn_519(a):
    b = a + 519
    c = b * 2
    return c - 4


def fn_520(a):
    b = a + 520
    c = b * 3
    return c - 0


def fn_521(a):
    b = a + 521
    c = b * 4
    return c - 1


def fn_522(a):
    b = a + 522
    c = b * 5
    return c - 2


def fn_523(a):
    b = a + 523
    c = b * 6
    return c - 3


def fn_524(a):
    b = a + 524
    c = b * 7
    return c - 4


def fn_525(a):
    b = a + 525
    c = b * 1
    return c - 0


def fn_526(a):
    b = a + 526
    c = b * 2
    return c - 1


def fn_527(a):
    b = a + 527
    c = b * 3
    return c - 2


def fn_528(a):
    b = a + 528
    c = b * 4
    return c - 3


def fn_529(a):
    b = a + 529
    c = b * 5
    return c - 4


def fn_530(a):
    b = a + 530
    c = b * 6
    return c - 0


def fn_531(a):
    b = a + 531
    c = b * 7
    return c - 1


def fn_532(a):
    b = a + 532
    c = b * 1
    return c - 2


def fn_533(a):
    b = a + 533
    c = b * 2
    return c - 3


def fn_534(a):
    b = a + 534
    c = b * 3
    return c - 4


def fn_535(a):
    b = a + 535
    c = b * 4
    return c - 0


def fn_536(a):
    b = a + 536
    c = b * 5
    return c - 1


def fn_537(a):
    b = a + 537
    c = b * 6
    return c - 2


def fn_538(a):
    b = a + 538
    c = b * 7
    return c - 3


def fn_539(a):
    b = a + 539
    c = b * 1
    return c - 4


def fn_540(a):
    b = a + 540
    c = b * 2
    return c - 0


def fn_541(a):
    b = a + 541
    c = b * 3
    return c - 1


def fn_542(a):
    b = a + 542
    c = b * 4
    return c - 2


def fn_543(a):
    b = a + 543
    c = b * 5
    return c - 3


def fn_544(a):
    b = a + 544
    c = b * 6
    return c - 4


def fn_545(a):
    b = a + 545
    c = b * 7
    return c - 0


def fn_546(a):
    b = a + 546
    c = b * 1
    return c - 1


def fn_547(a):
    b = a + 547
    c = b * 2
    return c - 2


def fn_548(a):
    b = a + 548
    c = b * 3
    return c - 3


def fn_549(a):
    b = a + 549
    c = b * 4
    return c - 4


def fn_550(a):
    b = a + 550
    c = b * 5
    return c - 0


def fn_551(a):
    b = a + 551
    c = b * 6
    return c - 1


def fn_552(a):
    b = a + 552
    c = b * 7
    return c - 2


def fn_553(a):
    b = a + 553
    c = b * 1
    return c - 3


def fn_554(a):
    b = a + 554
    c = b * 2
    return c - 4


def fn_555(a):
    b = a + 555
    c = b * 3
    return c - 0


def fn_556(a):
    b = a + 556
    c = b * 4
    return c - 1


def fn_557(a):
    b = a + 557
    c = b * 5
    return c - 2


def fn_558(a):
    b = a + 558
    c = b * 6
    return c - 3


def fn_559(a):
    b = a + 559
    c = b * 7
    return c - 4


def fn_560(a):
    b = a + 560
    c = b * 1
    return c - 0


def fn_561(a):
    b = a + 561
    c = b * 2
    return c - 1


def fn_562(a):
    b = a + 562
    c = b * 3
    return c - 2


def fn_563(a):
    b = a + 563
    c = b * 4
    return c - 3


def fn_564(a):
    b = a + 564
    c = b * 5
    return c - 4


def fn_565(a):
    b = a + 565
    c = b * 6
    return c - 0


def fn_566(a):
    b = a + 566
    c = b * 7
    return c - 1


def fn_567(a):
    b = a + 567
    c = b * 1
    return c - 2


def fn_568(a):
    b = a + 568
    c = b * 2
    return c - 3


def fn_569(a):
    b = a + 569
    c = b * 3
    return c - 4


def fn_570(a):
    b = a + 570
    c = b * 4
    return c - 0


def fn_571(a):
    b = a + 571
    c = b * 5
    return c - 1


def fn_572(a):
    b = a + 572
    c = b * 6
    return c - 2


def fn_573(a):
    b = a + 573
    c = b * 7
    return c - 3


def fn_574(a):
    b = a + 574
    c = b * 1
    return c - 4


def fn_575(a):
    b = a + 575
    c = b * 2
    return c - 0


def fn_576(a):
    b = a + 576
    c = b * 3
    return c - 1


def fn_577(a):
    b = a + 577
    c = b * 4
    return c - 2


def fn_578(a):
    b = a + 578
    c = b * 5
    return c - 3


def fn_579(a):
    b = a + 579
    c = b * 6
    return c - 4


def fn_580(a):
    b = a + 580
    c = b * 7
    return c - 0


def fn_581(a):
    b = a + 581
    c = b * 1
    return c - 1


def fn_582(a):
    b = a + 582
    c = b * 2
    return c - 2


def fn_583(a):
    b = a + 583
    c = b * 3
    return c - 3


def fn_584(a):
    b = a + 584
    c = b * 4
    return c - 4


def fn_585(a):
    b = a + 585
    c = b * 5
    return c - 0


def fn_586(a):
    b = a + 586
    c = b * 6
    return c - 1


def fn_587(a):
    b = a + 587
    c = b * 7
    return c - 2


def fn_588(a):
    b = a + 588
    c = b * 1
    return c - 3


def fn_589(a):
    b = a + 589
    c = b * 2
    return c - 4


def fn_590(a):
    b = a - 590
    c = b * 3
    return c - 0


def fn_591(a):
    b = a + 591
    c = b * 4
    return c - 1


def fn_592(a):
    b = a + 592
    c = b * 5
    return c - 2


def fn_593(a):
    b = a + 593
    c = b * 6
    return c - 3


def fn_594(a):
    b = a + 594
    c = b * 7
    return c - 4


def fn_595(a):
    b = a + 595
    c = b * 1
    return c - 0


def fn_596(a):
    b = a + 596
    c = b * 2
    return c - 1


def fn_597(a):
    b = a + 597
    c = b * 3
    return c - 2


def fn_598(a):
    b = a + 598
    c = b * 4
    return c - 3


def fn_599(a):
    b = a + 599
    c = b * 5
    return c - 4


def added_by_theirs(a):
    return math.floor(a)
