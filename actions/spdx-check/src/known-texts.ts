/**
 * License texts that files carry in their leading comments instead of an SPDX tag, each with the
 * SPDX expression it stands for. The patterns run over the comment text with its comment syntax
 * taken away and its lines joined by single spaces (notice.ts), so they match however the text
 * is wrapped and decorated. A pattern matches the whole notice, first word to last: fix mode
 * replaces exactly what it matched. Pure data.
 */

export interface KnownText {
  /** How reports name the text. */
  name: string;
  /** Lower-case words every match contains: the pattern runs only on text that has them. */
  hint: string;
  pattern: RegExp;
  /** The SPDX expression, from the matched text (undefined: not a text we can name after all). */
  license: (matched: string) => string | undefined;
}

const fixed = (license: string) => () => license;

export const KNOWN_TEXTS: readonly KnownText[] = [
  {
    // The LLVM Project's block ("Part of the LLVM Project, under the Apache License v2.0 with
    // LLVM Exceptions. See https://llvm.org/LICENSE.txt for license information."), and the same
    // block in projects derived from it ("Part of libcu++, the C++ Standard Library for your
    // entire system, under ...").
    name: 'LLVM notice',
    hint: 'llvm exceptions',
    pattern:
      /(?:Part of [^.]{0,200}?,?\s+)?(?:licensed\s+)?under the Apache License,?\s+v(?:ersion\s*)?2\.0 with LLVM Exceptions\.?(?:\s+See\s+\S*LICENSE\.txt\s+for license information\.?)?/i,
    license: fixed('Apache-2.0 WITH LLVM-exception'),
  },
  {
    // The notice the Apache License's appendix asks files to carry, in full.
    name: 'Apache notice',
    hint: 'apache license',
    pattern:
      /Licensed under the Apache License,?\s+Version 2\.0\b[\s\S]{0,900}?limitations\s+under\s+the\s+License\.?/i,
    license: fixed('Apache-2.0'),
  },
  {
    name: 'Apache notice, first sentence',
    hint: 'apache license',
    pattern: /Licensed under the Apache License,?\s+Version 2\.0(?:\s+\(the\s+"License"\))?[.;]?/i,
    license: fixed('Apache-2.0'),
  },
  {
    // LLVM before its relicensing.
    name: 'NCSA notice',
    hint: 'university of illinois',
    pattern:
      /This file is distributed under the University of Illinois Open\s+Source\s+License\.(?:\s+See LICENSE\.TXT for details\.)?/i,
    license: fixed('NCSA'),
  },
  {
    name: 'MIT/NCSA notice',
    hint: 'university of illinois',
    pattern:
      /This file is dual licensed under the MIT and the University of Illinois Open\s+Source\s+Licenses\.(?:\s+See LICENSE\.TXT for details\.)?/i,
    license: fixed('MIT OR NCSA'),
  },
  {
    name: 'BSD text',
    hint: 'redistribution and use',
    pattern:
      /Redistribution and use in source and binary forms,? with or without\s+modification,? are permitted provided that the following conditions\s+(?:are|is) met:[\s\S]{0,2500}?POSSIBILITY OF SUCH DAMAGE\.?/i,
    license: (matched) => (/Neither the name/i.test(matched) ? 'BSD-3-Clause' : 'BSD-2-Clause'),
  },
  {
    name: 'MIT text',
    hint: 'permission is hereby granted',
    pattern:
      /Permission is hereby granted, free of charge, to any person obtaining a\s+copy[\s\S]{0,1500}?DEALINGS\s+IN\s+THE\s+SOFTWARE\.?/i,
    license: fixed('MIT'),
  },
  {
    // Meta's one-line notice (PyTorch and projects derived from it).
    name: 'LICENSE-file notice',
    hint: 'license found in the',
    pattern:
      /This source code is licensed under the (?:MIT|Apache 2\.0|Apache-2\.0|BSD-style) license found in the\s+LICENSE file in the root directory of this source tree\.?/i,
    license: (matched) => (/the MIT/i.test(matched) ? 'MIT' : /the Apache/i.test(matched) ? 'Apache-2.0' : undefined),
  },
  {
    name: 'Boost notice',
    hint: 'boost software license',
    pattern:
      /Distributed under the Boost Software License,? Version 1\.0\.?(?:\s*\(See accompanying file LICENSE_1_0\.txt or copy at\s+https?:\/\/www\.boost\.org\/LICENSE_1_0\.txt\)\.?)?/i,
    license: fixed('BSL-1.0'),
  },
  {
    name: 'NVIDIA proprietary notice',
    hint: 'licensors retain',
    pattern:
      /NVIDIA CORPORATION[^.]{0,60}?licensors retain all intellectual property\s+and proprietary rights[\s\S]{0,600}?strictly prohibited\.?/i,
    license: fixed('LicenseRef-NvidiaProprietary'),
  },
];

/**
 * Words that make a comment a license or copyright notice: a file whose leading comments hold one
 * and no SPDX tag is never given a header of ours by fix mode unless its notice is understood.
 */
export const NOTICE_MARK =
  /copyright\s*(?:\(c\)|©|\d{4})|©\s*\d{4}|\(c\)\s*\d{4}|licen[cs]ed under|permission is hereby granted|redistribution and use in source|is free software|distributed under the|all rights reserved|licensors retain/i;

/** License wording left over once the known text and the copyright lines are taken out. */
export const LICENSE_WORDS = /licen[cs]|permission is hereby granted|redistribution and use|warrant/i;
